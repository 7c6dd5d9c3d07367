import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ESP8266 } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { analyzeFirmware, buildEspImage, parseEspImage } from '../../src/image/index.js';

describe('ESP image layout (firmware-image-format.rst)', () => {
  it('ESP8266 format: header, segment, zero padding to 15 mod 16, checksum 0xEF^data', () => {
    const img = buildEspImage({
      format: 'esp8266',
      flashMode: 2,
      flashSizeCode: 4,
      flashFreqCode: 0xf,
      entry: 0x40100004,
      segments: [{ loadAddress: 0x3ffe8000, data: Uint8Array.of(1, 2, 3, 4) }],
    });
    assert.equal(
      Buffer.from(img).toString('hex'),
      'e901024f04001040' + '0080fe3f04000000' + '01020304' + '00'.repeat(11) + (0xef ^ 1 ^ 2 ^ 3 ^ 4).toString(16),
    );
    const p = parseEspImage(img, 'esp8266');
    assert.deepEqual(p.segments, [{ loadAddress: 0x3ffe8000, offset: 16, length: 4 }]);
    assert.equal(p.flashMode, 2);
    assert.equal(p.flashSizeCode, 4);
    assert.equal(p.flashFreqCode, 0xf);
    assert.equal(p.entry, 0x40100004);
    assert.equal(p.length, 32);
    assert.deepEqual(p.checksum, { stored: 0xeb, computed: 0xeb, valid: true });
  });

  it('ESP32 format: extended header fields and the appended SHA-256 of header..checksum', () => {
    const img = buildEspImage({
      format: 'esp32',
      flashMode: 2,
      flashSizeCode: 2,
      flashFreqCode: 0,
      entry: 0x40080400,
      extended: { chipId: 9, minRev: 0, minRevFull: 1, maxRevFull: 99, hashAppended: true },
      segments: [{ loadAddress: 0x3fce2810, data: Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd) }],
    });
    // 24 header bytes + 8 + 4 = 36 -> checksum at 47, then 32 bytes of SHA-256.
    assert.equal(img.length, 48 + 32);
    assert.equal(Buffer.from(img.subarray(8, 24)).toString('hex'), 'ee000000' + '0900' + '00' + '0100' + '6300' + '00000000' + '01');
    assert.equal(img[47], 0xef ^ 0xaa ^ 0xbb ^ 0xcc ^ 0xdd);
    assert.equal(Buffer.from(img.subarray(48)).toString('hex'), createHash('sha256').update(img.subarray(0, 48)).digest('hex'));
    const p = parseEspImage(img, 'esp32');
    assert.deepEqual(p.extended, { wpPin: 0xee, chipId: 9, minRev: 0, minRevFull: 1, maxRevFull: 99, hashAppended: true });
    assert.equal(p.sha256?.valid, true);
    assert.equal(p.length, 80);
  });

  it('rejects impossible headers with precise messages', () => {
    const img = buildEspImage({
      format: 'esp32',
      flashMode: 0,
      flashSizeCode: 0,
      flashFreqCode: 0,
      entry: 0,
      extended: { chipId: 0 },
      segments: [{ loadAddress: 0x3ffb0000, data: new Uint8Array(8) }],
    });
    const noSegments = img.slice();
    noSegments[1] = 0;
    assert.throws(() => parseEspImage(noSegments, 'esp32'), /declares 0 segments/);
    const badFlag = img.slice();
    badFlag[23] = 7;
    assert.throws(() => parseEspImage(badFlag, 'esp32'), /hash-appended flag is 0x07/);
    assert.throws(() => parseEspImage(img.subarray(0, 60), 'esp32'), (e: unknown) => {
      assert.ok(isUpyflashError(e, 'TRUNCATED_IMAGE'));
      assert.match(e.message, /SHA-256 is cut off; expected 80 bytes, got 60/);
      return true;
    });
    assert.throws(() => parseEspImage(Uint8Array.of(0x7f, 0x45), 'esp32'), /first byte is 0x7f/);
  });

  it('an ESP8266 image that happens to look like an ESP32 extended header is still read as ESP8266', () => {
    // First segment of 0x10000 bytes: where the ESP32 chip id would be, the length's low half reads 0
    // (the ESP32's id) and the hash flag byte reads 1 — only a consistent parse tells the formats apart.
    const data = new Uint8Array(0x10000).map((_, i) => (i * 7) & 0xff);
    data[7] = 1; // file byte 23: the ESP32 hash-appended flag position
    const img = buildEspImage({
      format: 'esp8266',
      flashMode: 0,
      flashSizeCode: 2,
      flashFreqCode: 0,
      entry: 0x40100004,
      segments: [
        { loadAddress: 0x40100000, data },
        { loadAddress: 0x3ffe8000, data: Uint8Array.of(9, 8, 7, 6) },
      ],
    });
    const fw = analyzeFirmware(img);
    assert.equal(fw.kind, 'esp8266');
    assert.equal(fw.bootloader.format, 'esp8266');
    assert.equal(fw.bootloader.checksum.valid, true);
    assert.equal(fw.esp8266, undefined); // a bare ROM image, no MicroPython layout
    assert.equal(fw.minFlashBytes, img.length);
    assert.equal(ESP8266.bootloaderOffset, fw.suggestedOffset);
  });
});
