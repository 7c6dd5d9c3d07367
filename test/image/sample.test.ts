import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { CHIPS, ESP32, ESP32C3, ESP8266 } from '../../src/chips/index.js';
import { memoryTypes } from '../../src/chips/memory-map.js';
import { md5, toHex } from '../../src/platform/hash.js';
import { analyzeFirmware, buildSampleFirmware, parseEspImage, parsePartitionTable } from '../../src/image/index.js';

const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('buildSampleFirmware: ESP32 family', () => {
  for (const chip of CHIPS.filter((c) => c.imageFormat === 'esp32')) {
    it(`builds a merged ${chip.name} .bin our parser accepts`, () => {
      const bytes = buildSampleFirmware({ chip, appBytes: 400_000 });
      const fw = analyzeFirmware(bytes);
      assert.equal(fw.kind, 'merged');
      assert.equal(fw.chip, chip);
      assert.equal(fw.suggestedOffset, chip.bootloaderOffset);
      // Bootloader: extended header with the chip id, checksum and SHA-256 valid.
      assert.equal(fw.bootloader.format, 'esp32');
      assert.equal(fw.bootloader.extended?.chipId, chip.imageChipId);
      assert.equal(fw.bootloader.extended?.hashAppended, true);
      assert.equal(fw.bootloader.checksum.valid, true);
      assert.equal(fw.bootloader.sha256?.valid, true);
      assert.ok(fw.bootloader.length <= 0x8000 - chip.bootloaderOffset, 'bootloader ends before the partition table');
      // The ROM loads the bootloader into RAM: none of its segments may be flash-mapped.
      for (const seg of fw.bootloader.segments) {
        const types = memoryTypes(chip.id, seg.loadAddress);
        assert.ok(types.length > 0 && !types.includes('DROM') && !types.includes('IROM'), `${chip.name} bootloader segment at ${seg.loadAddress.toString(16)}: ${types.join(',')}`);
      }
      // Partition table at flash 0x8000: nvs, phy_init, factory at 0x10000; no vfs.
      const parts = fw.partitions!;
      assert.deepEqual(
        parts.map((p) => [p.label, p.typeName, p.subtypeName, p.offset]),
        [
          ['nvs', 'data', 'nvs', 0x9000],
          ['phy_init', 'data', 'phy', 0xf000],
          ['factory', 'app', 'factory', 0x10000],
        ],
      );
      // App at flash 0x10000, intact, with the same chip id and the app description.
      const app = fw.app!;
      assert.equal(app.offsetInFile, 0x10000 - chip.bootloaderOffset);
      assert.equal(app.extended?.chipId, chip.imageChipId);
      assert.equal(app.checksum.valid, true);
      assert.equal(app.sha256?.valid, true);
      assert.ok(app.length <= parts[2]!.size);
      assert.equal(fw.appDescription?.projectName, 'micropython');
      assert.equal(fw.appDescription?.version, 'v1.27.0');
      // Flash-mapped segments sit where the MMU maps them: data offset ≡ load address (mod 64 KiB).
      for (const seg of app.segments.filter((s) => (s.loadAddress & 0xffff) === 0x20)) {
        assert.equal(seg.offset % 0x10000, seg.loadAddress % 0x10000);
      }
      assert.equal(bytes.length, app.offsetInFile + app.length);
      assert.deepEqual(fw.micropython, {
        version: '1.27.0',
        buildDate: '2025-12-09',
        boardName: chip.micropython.boardName,
        mcuName: chip.mcuName,
      });
    });
  }

  it('holds the banner strings exactly as MicroPython does, NUL-terminated', () => {
    const bytes = buildSampleFirmware({ chip: ESP32C3, version: '1.26.1', buildDate: '2025-09-11', boardName: 'Test Board', appBytes: 300_000 });
    const t = text(bytes);
    assert.ok(t.includes('\0MicroPython v1.26.1 on 2025-09-11\0'));
    assert.ok(t.includes('\0Test Board with ESP32C3\0'));
    const fw = analyzeFirmware(bytes);
    assert.equal(fw.micropython?.boardName, 'Test Board');
    assert.equal(fw.micropython?.version, '1.26.1');
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = buildSampleFirmware({ chip: ESP32, appBytes: 200_000, seed: 7 });
    const b = buildSampleFirmware({ chip: ESP32, appBytes: 200_000, seed: 7 });
    const c = buildSampleFirmware({ chip: ESP32, appBytes: 200_000, seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.equal(a.length, c.length);
  });

  it('reaches the requested size and zlib ratio', () => {
    for (const ratio of [0.35, 0.66, 0.9]) {
      const bytes = buildSampleFirmware({ chip: ESP32, appBytes: 1_700_000, compressibility: ratio, seed: 3 });
      assert.ok(Math.abs(bytes.length - 1_700_000) < 64, `size ${bytes.length}`);
      const got = deflateSync(bytes).length / bytes.length;
      assert.ok(Math.abs(got - ratio) < 0.03, `ratio ${got.toFixed(3)} for requested ${ratio}`);
    }
  });

  it('grows the factory partition when the app needs it', () => {
    const fw = analyzeFirmware(buildSampleFirmware({ chip: ESP32, appBytes: 0x260000 }));
    const factory = fw.partitions!.find((p) => p.label === 'factory')!;
    assert.ok(factory.size >= fw.app!.length);
    assert.equal(factory.size % 0x10000, 0);
    assert.equal(fw.minFlashBytes, factory.offset + factory.size);
  });
});

describe('buildSampleFirmware: ESP8266', () => {
  it("follows MicroPython's makeimg layout: ROM image, length word, irom0 at 0x9000, MD5", () => {
    const bytes = buildSampleFirmware({ chip: ESP8266, appBytes: 600_000, seed: 5 });
    const fw = analyzeFirmware(bytes);
    assert.equal(fw.kind, 'esp8266');
    assert.equal(fw.chip, undefined);
    assert.equal(fw.suggestedOffset, 0);
    assert.equal(fw.bootloader.format, 'esp8266');
    assert.equal(fw.bootloader.extended, undefined);
    assert.equal(fw.bootloader.checksum.valid, true);
    const declared = u32(bytes, 0x9000 - 4);
    assert.equal(bytes.length, declared + 16);
    for (let i = fw.bootloader.length; i < 0x9000 - 4; i++) assert.equal(bytes[i], 0xff);
    assert.equal(toHex(bytes.subarray(declared)), toHex(md5(bytes.subarray(4, declared))));
    assert.equal(fw.esp8266?.iromOffset, 0x9000);
    assert.equal(fw.esp8266?.iromLength, declared - 0x9000);
    assert.equal(fw.esp8266?.md5.valid, true);
    assert.equal(fw.minFlashBytes, bytes.length);
    assert.deepEqual(fw.micropython, { version: '1.27.0', buildDate: '2025-12-09', boardName: 'ESP module', mcuName: 'ESP8266' });
    // The ROM image parses on its own as an ESP8266-format image too.
    const rom = parseEspImage(bytes, 'esp8266');
    assert.equal(rom.segments.length, 3);
    assert.ok(rom.segments.every((s) => s.loadAddress >= 0x3ffe8000 && s.loadAddress < 0x40108000));
  });

  it('reaches the requested zlib ratio', () => {
    const bytes = buildSampleFirmware({ chip: ESP8266, compressibility: 0.6 });
    const got = deflateSync(bytes).length / bytes.length;
    assert.ok(Math.abs(got - 0.6) < 0.03, `ratio ${got}`);
  });

  it('rejects nonsense options', () => {
    assert.throws(() => buildSampleFirmware({ chip: ESP8266, compressibility: 0 }), { kind: 'BAD_ARGUMENT' });
    assert.throws(() => buildSampleFirmware({ chip: ESP32, version: 'latest' }), { kind: 'BAD_ARGUMENT' });
  });
});

describe('sample partition table', () => {
  it('is followed by 0xFF up to the app, as an erased flash', () => {
    const bytes = buildSampleFirmware({ chip: ESP32, appBytes: 200_000 });
    const pt = bytes.subarray(0x7000, 0x8000);
    assert.equal(parsePartitionTable(pt).length, 3);
    assert.ok(bytes.subarray(0x7000 + 0xc00, 0xf000).every((b) => b === 0xff));
  });
});
