import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESP32, ESP32S3 } from '../../src/chips/index.js';
import { isUpyflashError, type ErrorKind } from '../../src/errors.js';
import {
  PARTITION_TABLE_OFFSET,
  analyzeFirmware,
  buildSampleFirmware,
  checkFirmwareParts,
  encodePartitionTable,
  formatFlasherArgs,
  mergeParts,
  mergedImageStart,
  parseFlasherArgs,
  splitMerged,
  type FirmwareParts,
} from '../../src/image/index.js';
import { describeFirmware, formatImageInfo } from '../../src/image/describe.js';

const merged = buildSampleFirmware({ chip: ESP32, appBytes: 200_000, seed: 11 });
const split = splitMerged(analyzeFirmware(merged));
const three = [split.bootloader, split.partitionTable!, split.app!];

function refusal(input: FirmwareParts, kind: ErrorKind, says: RegExp): void {
  assert.throws(
    () => checkFirmwareParts(input, { chip: ESP32, flashBytes: 4 << 20 }),
    (e: unknown) => isUpyflashError(e) && e.kind === kind && says.test(e.message),
  );
}

describe('checkFirmwareParts', () => {
  it('names each part by its role', () => {
    const r = checkFirmwareParts({ parts: three }, { chip: ESP32, flashBytes: 4 << 20 });
    assert.deepEqual(r.parts.map((p) => p.role), ['bootloader', 'partition-table', 'app']);
    assert.deepEqual(r.warnings, []);
  });

  it('refuses overlapping parts, naming both files', () => {
    refusal({ parts: [...three, { ...split.app!, address: 0x20000, fileName: 'second.bin' }] }, 'PARTS_CONFLICT', /micropython\.bin.*second\.bin.*overlap/);
  });

  it('refuses a partition table whose MD5 entry does not match, naming the file', () => {
    const bad = split.partitionTable!.bytes.slice();
    bad[0x14]! ^= 1;
    refusal({ parts: [split.bootloader, { ...split.partitionTable!, bytes: bad }, split.app!] }, 'NOT_AN_IMAGE', /partition-table\.bin.*MD5 mismatch/);
  });

  it('refuses something that is not a partition table at 0x8000', () => {
    refusal({ parts: [split.bootloader, { address: PARTITION_TABLE_OFFSET, bytes: split.app!.bytes.slice(0, 0x1000), fileName: 'x.bin' }] }, 'NOT_AN_IMAGE', /not a partition table/);
  });

  it('refuses an app where the bootloader goes', () => {
    refusal({ parts: [{ ...split.app!, address: 0x1000 }] }, 'WRONG_ADDRESS', /application image.*bootloader goes/);
  });

  it('refuses an app at an address with no app partition, and an app larger than its partition', () => {
    refusal({ parts: [split.bootloader, split.partitionTable!, { ...split.app!, address: 0x200000 }] }, 'WRONG_ADDRESS', /no app partition at 0x200000.*factory at 0x10000/);
    const small = encodePartitionTable([{ label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x10000 }]);
    refusal({ parts: [split.bootloader, { address: 0x8000, bytes: small, fileName: 'small.bin' }, split.app!] }, 'IMAGE_TOO_LARGE', /does not fit its partition "factory"/);
  });

  it('refuses a bootloader for another chip', () => {
    const s3 = splitMerged(analyzeFirmware(buildSampleFirmware({ chip: ESP32S3, appBytes: 100_000 })));
    refusal({ parts: [{ ...s3.bootloader, address: 0x1000 }, split.partitionTable!, split.app!] }, 'WRONG_CHIP', /ESP32-S3/);
  });

  it('writes data parts (a filesystem image) as they are', () => {
    const fs = { address: 0x300000, bytes: new Uint8Array(0x1000).fill(0x42), fileName: 'vfs.bin' };
    const r = checkFirmwareParts({ parts: [...three, fs] }, { chip: ESP32 });
    assert.equal(r.parts.at(-1)!.role, 'data');
  });
});

describe('mergeParts', () => {
  it('reproduces the merged image from its three parts (starting at the bootloader offset)', () => {
    const m = mergeParts(three, { chip: ESP32 });
    assert.equal(m.targetOffset, 0x1000);
    assert.ok(Buffer.from(m.bytes).equals(Buffer.from(merged)));
  });

  it('--target-offset 0 and --fill-flash-size pad with 0xFF; mergedImageStart finds the image again', () => {
    const m = mergeParts(three, { chip: ESP32, targetOffset: 0, fillFlashBytes: 4 << 20 });
    assert.equal(m.bytes.length, 4 << 20);
    assert.ok(m.bytes.subarray(0, 0x1000).every((b) => b === 0xff));
    assert.equal(mergedImageStart(m.bytes, [ESP32]), 0x1000);
    assert.ok(m.bytes.subarray(merged.length + 0x1000).every((b) => b === 0xff));
  });

  it('patches the flash parameters of the bootloader only', () => {
    const m = mergeParts(three, { chip: ESP32, flashParams: { mode: 'dout', size: '2MB' } });
    assert.equal(m.bytes[2], 3);
    assert.ok(Buffer.from(m.bytes.subarray(0xf000)).equals(Buffer.from(merged.subarray(0xf000))), 'app untouched');
    assert.match(m.flashParams, /mode \w+ -> dout/);
  });
});

describe('image-info on a merged file', () => {
  it('describes every app partition with its MicroPython version', () => {
    const ota = buildSampleFirmware({ chip: ESP32, appBytes: 200_000, seed: 12, version: '1.26.1' });
    const otaApp = splitMerged(analyzeFirmware(ota)).app!;
    const table = encodePartitionTable([
      { label: 'nvs', type: 1, subtype: 2, offset: 0x9000, size: 0x6000 },
      { label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x100000 },
      { label: 'ota_0', type: 0, subtype: 0x10, offset: 0x110000, size: 0x100000 },
    ]);
    const m = mergeParts([split.bootloader, { address: 0x8000, bytes: table }, split.app!, { ...otaApp, address: 0x110000 }], { chip: ESP32 });
    const info = describeFirmware(analyzeFirmware(m.bytes, 'ota.bin'));
    const apps = info.images.filter((i) => i.role === 'application');
    assert.deepEqual(apps.map((a) => [a.partition, a.micropython?.version]), [['factory', '1.27.0'], ['ota_0', '1.26.1']]);
    assert.match(formatImageInfo(info), /partition ota_0, file offset 0x10f000, flash 0x110000[\s\S]*MicroPython: v1\.26\.1/);
  });
});

describe('flasher_args.json', () => {
  const text = formatFlasherArgs({
    chip: 'esp32s3',
    bootloader: { address: 0x0, path: 'bootloader/bootloader.bin' },
    partitionTable: { address: 0x8000, path: 'partition_table/partition-table.bin' },
    app: { address: 0x10000, path: 'micropython.bin' },
    flash: { mode: 'dio', size: '8MB', freq: '80m' },
  });

  it('gives offsets, files, flash settings and chip', () => {
    const a = parseFlasherArgs(text);
    assert.deepEqual(a.files.map((f) => [f.address, f.path]), [[0, 'bootloader/bootloader.bin'], [0x8000, 'partition_table/partition-table.bin'], [0x10000, 'micropython.bin']]);
    assert.deepEqual(a.flashParams, { mode: 'dio', size: '8MB', freq: '80m' });
    assert.equal(a.chip, 'esp32s3');
    assert.equal(a.partitionTableOffset, 0x8000);
  });

  it('refuses an inconsistent file and one without flash_files, naming the file', () => {
    const doc = JSON.parse(text) as Record<string, Record<string, string>>;
    doc['app']!['offset'] = '0x20000';
    assert.throws(() => parseFlasherArgs(JSON.stringify(doc), 'build/flasher_args.json'), /build\/flasher_args\.json: "app" names micropython\.bin at 0x20000, but flash_files has nothing at 0x20000/);
    assert.throws(() => parseFlasherArgs('{}', 'b/flasher_args.json'), /b\/flasher_args\.json: has no "flash_files"/);
    assert.throws(() => parseFlasherArgs('{', 'b/flasher_args.json'), /not valid JSON/);
  });
});
