import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESP32, ESP32C3, ESP8266 } from '../../src/chips/index.js';
import { md5, sha256, toHex } from '../../src/platform/hash.js';
import { analyzeFirmware, buildSampleFirmware, defaultFlashParams, parseEspImage, patchFlashParams } from '../../src/image/index.js';

/** Indexes where two equally long arrays differ. */
function diff(a: Uint8Array, b: Uint8Array): number[] {
  assert.equal(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

describe('patchFlashParams on an ESP32 merged .bin', () => {
  const original = buildSampleFirmware({ chip: ESP32, appBytes: 300_000, seed: 11 });
  const fw = analyzeFirmware(original);
  const snapshot = original.slice();

  it('dout: byte 2 and the bootloader SHA-256 change, nothing else', () => {
    assert.equal(original[2], 2); // DIO in the sample
    const r = patchFlashParams(fw, ESP32, { mode: 'dout' });
    assert.equal(r.changed, true);
    assert.match(r.description, /mode dio -> dout/);
    assert.match(r.description, /SHA-256 recomputed/);
    const boot = fw.bootloader;
    const shaAt = boot.length - 32;
    const changed = diff(original, r.bytes);
    assert.equal(changed[0], 2);
    assert.ok(changed.slice(1).every((i) => i >= shaAt && i < shaAt + 32), `unexpected changes at ${changed.filter((i) => i !== 2 && (i < shaAt || i >= shaAt + 32)).join(',')}`);
    assert.equal(r.bytes[2], 3);
    assert.equal(r.bytes[3], original[3]);
    // The SHA-256 is that of the patched header through the checksum byte.
    assert.equal(toHex(r.bytes.subarray(shaAt, shaAt + 32)), toHex(sha256(r.bytes.subarray(0, shaAt))));
    // The checksum byte covers segment data only: unchanged and still valid.
    assert.equal(r.bytes[shaAt - 1], original[shaAt - 1]);
    const re = parseEspImage(r.bytes, 'esp32');
    assert.equal(re.checksum.valid, true);
    assert.equal(re.sha256?.valid, true);
    // The rest of the file (partition table, app) is byte-identical.
    const after = analyzeFirmware(r.bytes);
    assert.equal(after.app?.sha256?.valid, true);
    assert.deepEqual(after.partitions, fw.partitions);
  });

  it('returns a new array and leaves the input untouched', () => {
    const r = patchFlashParams(fw, ESP32, { mode: 'qio', size: '8MB', freq: '80m' });
    assert.notEqual(r.bytes, original);
    assert.deepEqual(original, snapshot);
    assert.equal(r.bytes[2], 0);
    assert.equal(r.bytes[3], 0x3f);
  });

  it('size detect takes the detected size; keep changes nothing', () => {
    const r = patchFlashParams(fw, ESP32, { size: 'detect' }, 16 * 1024 * 1024);
    assert.equal(r.bytes[3], 0x40);
    assert.match(r.description, /size 4MB -> 16MB/);
    const keep = patchFlashParams(fw, ESP32, { mode: 'keep', size: 'keep', freq: 'keep' });
    assert.equal(keep.changed, false);
    assert.equal(keep.bytes, fw.bytes);
    const same = patchFlashParams(fw, ESP32, { mode: 'dio' });
    assert.equal(same.changed, false);
  });

  it('leaves a file alone when it is written somewhere other than the bootloader offset', () => {
    const r = patchFlashParams(fw, ESP32, { mode: 'dout' }, undefined, 0x0);
    assert.equal(r.changed, false);
    assert.match(r.description, /written at 0x0, not at the bootloader offset 0x1000/);
    assert.equal(patchFlashParams(fw, ESP32, { mode: 'dout' }, undefined, 0x1000).changed, true);
  });

  it('rejects values the chip does not have', () => {
    assert.throws(() => patchFlashParams(fw, ESP32, { size: '3MB' }), { kind: 'BAD_ARGUMENT' });
    assert.throws(() => patchFlashParams(fw, ESP32, { freq: '33m' }), { kind: 'BAD_ARGUMENT' });
  });

  it('never patches an .app-bin (it is not written at the bootloader offset)', () => {
    const app = fw.app!;
    const appBin = analyzeFirmware(original.slice(app.offsetInFile, app.offsetInFile + app.length));
    const r = patchFlashParams(appBin, ESP32, { mode: 'dout', size: '2MB' });
    assert.equal(r.changed, false);
    assert.equal(r.bytes, appBin.bytes);
    assert.match(r.description, /app-bin/);
  });
});

describe('patchFlashParams on an ESP8266 .bin', () => {
  const original = buildSampleFirmware({ chip: ESP8266, appBytes: 300_000 });
  const fw = analyzeFirmware(original);

  it('size detect (the ESP8266 default) writes the detected size into byte 3 only', () => {
    assert.equal(original[3], 0x20); // 1MB, 40m
    assert.deepEqual(defaultFlashParams(ESP8266).size, 'detect');
    const r = patchFlashParams(fw, ESP8266, {}, 4 * 1024 * 1024);
    assert.equal(r.changed, true);
    assert.deepEqual(diff(original, r.bytes), [3]);
    assert.equal(r.bytes[3], 0x40); // 4MB, 40m
    assert.match(r.description, /size 1MB -> 4MB/);
    // Checksum (segment data only) and makeimg's MD5 (bytes 4..) stay valid.
    const after = analyzeFirmware(r.bytes);
    assert.equal(after.bootloader.checksum.valid, true);
    assert.equal(after.esp8266?.md5.valid, true);
    const declared = new DataView(r.bytes.buffer).getUint32(0x9000 - 4, true);
    assert.equal(toHex(r.bytes.subarray(declared)), toHex(md5(r.bytes.subarray(4, declared))));
  });

  it('512KB and the -c1 layouts, and dout', () => {
    assert.equal(patchFlashParams(fw, ESP8266, { size: 'detect' }, 512 * 1024).bytes[3], 0x00);
    assert.equal(patchFlashParams(fw, ESP8266, { size: '2MB-c1' }).bytes[3], 0x50);
    assert.equal(patchFlashParams(fw, ESP8266, { mode: 'dout', size: 'keep' }).bytes[2], 3);
  });

  it('without a detected size, detect keeps the header size and says so', () => {
    const r = patchFlashParams(fw, ESP8266, {});
    assert.equal(r.changed, false);
    assert.match(r.description, /could not be detected/);
  });
});

describe('patchFlashParams on a chip whose bootloader sits at 0x0', () => {
  it('ESP32-C3: patches the image at the start of the file', () => {
    const fw = analyzeFirmware(buildSampleFirmware({ chip: ESP32C3, appBytes: 300_000 }));
    const r = patchFlashParams(fw, ESP32C3, { mode: 'dout', freq: '40m' });
    assert.equal(r.bytes[2], 3);
    assert.equal(r.bytes[3], 0x20);
    assert.equal(parseEspImage(r.bytes, 'esp32').sha256?.valid, true);
  });
});
