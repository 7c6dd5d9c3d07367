import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESP32, ESP32S3, ESP8266 } from '../../src/chips/index.js';
import { analyzeFirmware, buildSampleFirmware, describeFirmware, formatImageInfo } from '../../src/image/index.js';

describe('describeFirmware / formatImageInfo', () => {
  it('describes a merged ESP32 .bin: both images, partitions, banner', () => {
    const fw = analyzeFirmware(buildSampleFirmware({ chip: ESP32, appBytes: 300_000 }), 'ESP32_GENERIC-20251209-v1.27.0.bin');
    const info = describeFirmware(fw);
    assert.equal(info.kind, 'merged');
    assert.equal(info.chip, 'ESP32');
    assert.equal(info.suggestedOffset, 0x1000);
    assert.equal(info.minFlashBytes, 0x220000);
    assert.deepEqual(info.images.map((i) => [i.role, i.fileOffset, i.flashOffset]), [
      ['bootloader', 0, 0x1000],
      ['application', 0xf000, 0x10000],
    ]);
    const [boot, app] = info.images;
    assert.equal(boot!.flashMode, 'DIO');
    assert.equal(boot!.flashSize, '4MB');
    assert.equal(boot!.flashFreq, '40m');
    assert.deepEqual(boot!.extended, {
      wpPin: 0xee,
      wpPinDisabled: true,
      chipId: 0,
      chipName: 'ESP32',
      minRev: 0,
      minRevFull: 'v0.0',
      maxRevFull: 'v3.99',
      hashAppended: true,
    });
    assert.deepEqual(app!.segments.map((s) => s.memoryTypes[0]), ['DROM', 'BYTE_ACCESSIBLE', 'IROM', 'IRAM']);
    assert.equal(app!.segments[0]!.fileOffset, 0xf000 + 0x18);
    assert.equal(app!.appDescription?.projectName, 'micropython');
    assert.equal(boot!.bootloaderDescription?.idfVersion, 'v5.5.1');
    assert.equal(info.partitions?.length, 3);

    const text = formatImageInfo(info);
    for (const line of [
      'File: ESP32_GENERIC-20251209-v1.27.0.bin (300000 bytes)',
      'Kind: merged image (bootloader + partition table + application) for ESP32, written at 0x1000',
      'MicroPython: v1.27.0 on 2025-12-09; Generic ESP32 module with ESP32',
      'ESP32 Extended Image Header',
      'WP pin: 0xee (disabled)',
      'Chip ID: 0 (ESP32)',
      'Minimal chip revision: v0.0, (legacy min_rev = 0)',
      'Maximal chip revision: v3.99',
      'Project name: micropython',
      'App version: v1.27.0',
      'Compile time: Dec  9 2025 12:00:00',
    ]) {
      assert.ok(text.includes(line), `missing line: ${line}\n${text}`);
    }
    assert.match(text, /Checksum: 0x[0-9a-f]{2} \(valid\)/);
    assert.match(text, /Validation hash: [0-9a-f]{64} \(valid\)/);
    assert.match(text, /factory +app +factory +0x00010000 0x00210000/);
    assert.match(text, / +0 +0x0[0-9a-f]{4} +0x3f400020 +0x0000f018 +DROM/);
  });

  it('reports an invalid checksum the way esptool does', () => {
    const b = buildSampleFirmware({ chip: ESP32S3, appBytes: 200_000 }).slice();
    b[0x40] ^= 0xff; // inside the bootloader's first segment
    const text = formatImageInfo(describeFirmware(analyzeFirmware(b)));
    assert.match(text, /Checksum: 0x[0-9a-f]{2} \(invalid - calculated 0x[0-9a-f]{2}\)/);
    assert.match(text, /Validation hash: [0-9a-f]{64} \(invalid\)/);
  });

  it('describes an ESP8266 .bin: no extended header, makeimg trailer', () => {
    const info = describeFirmware(analyzeFirmware(buildSampleFirmware({ chip: ESP8266, appBytes: 300_000 })));
    assert.equal(info.kind, 'esp8266');
    assert.equal(info.chip, 'ESP8266');
    assert.equal(info.images.length, 1);
    assert.equal(info.images[0]!.extended, undefined);
    assert.equal(info.images[0]!.flashSize, '1MB');
    assert.equal(info.images[0]!.flashMode, 'QIO');
    assert.deepEqual(info.images[0]!.segments.map((s) => s.memoryTypes), [['IRAM'], ['DRAM'], ['DRAM']]);
    const text = formatImageInfo(info);
    assert.ok(text.includes('ESP8266 Image Header'));
    assert.ok(!text.includes('Extended Image Header'));
    assert.ok(!text.includes('Validation hash'));
    assert.match(text, /irom0 text: flash 0x9000, \d+ bytes/);
    assert.match(text, /MD5 \(bytes 4\.\.end\): [0-9a-f]{32} \(valid\)/);
    assert.ok(text.includes('MicroPython: v1.27.0 on 2025-12-09; ESP module with ESP8266'));
  });
});
