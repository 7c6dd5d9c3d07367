/**
 * Everything an esptool user does, through the CLI as a subprocess against `upyflash virtual-board`
 * over rfc2217: a three-part write from an ESP-IDF build folder (flasher_args.json), a pasted esptool
 * line, merge-bin output flashed as one file, and multi-part refusals that leave the flash untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32 } from '../../src/chips/index.js';
import { analyzeFirmware } from '../../src/image/firmware-file.js';
import { formatFlasherArgs } from '../../src/image/flasher-args.js';
import { splitMerged } from '../../src/image/merge.js';
import { encodePartitionTable } from '../../src/image/partition-table.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { type BoardProcess, startBoardProcess } from '../../harness/board-process.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

const FLASH_BYTES = 4 * 1024 * 1024;
const cleanup = cleanupAfterAll();

interface Parts {
  dir: string;
  bootloader: Uint8Array;
  table: Uint8Array;
  app: Uint8Array;
}

/** A build folder as ESP-IDF leaves it: bootloader/, partition_table/, the app and flasher_args.json. */
async function buildFolder(seed: number): Promise<Parts> {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-build-'));
  const split = splitMerged(analyzeFirmware(buildSampleFirmware({ chip: ESP32, appBytes: 150_000, seed })));
  await mkdir(join(dir, 'bootloader'));
  await mkdir(join(dir, 'partition_table'));
  await writeFile(join(dir, 'bootloader', 'bootloader.bin'), split.bootloader.bytes);
  await writeFile(join(dir, 'partition_table', 'partition-table.bin'), split.partitionTable!.bytes);
  await writeFile(join(dir, 'micropython.bin'), split.app!.bytes);
  await writeFile(
    join(dir, 'flasher_args.json'),
    formatFlasherArgs({
      chip: 'esp32',
      bootloader: { address: 0x1000, path: 'bootloader/bootloader.bin' },
      partitionTable: { address: 0x8000, path: 'partition_table/partition-table.bin' },
      app: { address: 0x10000, path: 'micropython.bin' },
      flash: { mode: 'dio', size: '4MB', freq: '40m' },
    }),
  );
  return { dir, bootloader: split.bootloader.bytes, table: split.partitionTable!.bytes, app: split.app!.bytes };
}

async function board(flashFile: string, boot: 'normal' | 'download' = 'normal'): Promise<BoardProcess> {
  // A board held in download mode never runs the firmware it holds (which would make its filesystem).
  const b = await startBoardProcess({ chip: 'esp32', flashFile, flashSize: '4MB', boot });
  cleanup(() => b.stop().then(() => undefined));
  return b;
}

function assertRegion(flash: Uint8Array, address: number, bytes: Uint8Array, what: string): void {
  assert.ok(Buffer.from(flash.subarray(address, address + bytes.length)).equals(Buffer.from(bytes)), `${what} at 0x${address.toString(16)} reads back byte-exact`);
}

test('flash --from-build writes bootloader, partition table and app in one job; read-flash reads them back byte-exact', async () => {
  const p = await buildFolder(21);
  const b = await board(join(p.dir, 'flash.img'));
  const run = await runCli(['--json', 'flash', '--from-build', p.dir, '--port', b.rfc2217, '--after', 'no-reset', '--baud', '115200'], { timeoutMs: 120_000 });
  assert.equal(run.code, 0, describeRun(run));
  const doc = cliJson<{ verified: boolean; parts: { address: number; length: number }[]; flashParams: string }>(run);
  assert.deepEqual(doc.result?.parts.map((x) => x.address), [0x1000, 0x8000, 0x10000]);
  assert.equal(doc.result?.verified, true);
  // The build's flash settings (dio 4MB 40m) were applied to the bootloader header.
  assert.match(doc.result?.flashParams ?? '', /mode (\w+ -> )?dio/);
  // One progress for the whole job: a single write phase covers all three parts.
  assert.equal((run.stderr.match(/Writing/g) ?? []).length <= 1, true, run.stderr);

  const out = join(p.dir, 'read.bin');
  const read = await runCli(['read-flash', '0x0', '0x40000', out, '--port', b.rfc2217, '--after', 'no-reset', '--baud', '115200']);
  assert.equal(read.code, 0, describeRun(read));
  const flash = new Uint8Array(await readFile(out));
  assertRegion(flash, 0x8000, p.table, 'partition table');
  assertRegion(flash, 0x10000, p.app.subarray(0, 0x30000), 'app');
  // The bootloader differs from the file only in header bytes 2-3 (flash params) and its digest.
  assertRegion(flash, 0x1000 + 4, p.bootloader.subarray(4, p.bootloader.length - 32), 'bootloader body');
  assert.equal(flash[0x1000 + 2], 2, 'flash mode byte is dio');

  // The same build again: every region is already there, nothing written.
  const again = await runCli(['--json', 'flash', '--from-build', p.dir, '--port', b.rfc2217, '--after', 'no-reset', '--baud', '115200'], { timeoutMs: 120_000 });
  assert.equal(again.code, 0, describeRun(again));
  assert.equal(cliJson<{ writtenBytes: number }>(again).result?.writtenBytes, 0);
});

test('a pasted esptool line (globals first, write_flash -z --flash_mode dio, no_reset) writes three parts', async () => {
  const p = await buildFolder(22);
  const flashFile = join(p.dir, 'flash.img');
  const b = await board(flashFile);
  const line = [
    '--chip', 'esp32', '--port', b.rfc2217, '--baud', '115200', '--before', 'default_reset', '--after', 'no_reset',
    'write_flash', '-z', '--flash_mode', 'dio', '--flash_freq', '40m', '--flash_size', 'keep',
    '0x1000', join(p.dir, 'bootloader', 'bootloader.bin'),
    '0x8000', join(p.dir, 'partition_table', 'partition-table.bin'),
    '0x10000', join(p.dir, 'micropython.bin'),
  ];
  const run = await runCli(line, { timeoutMs: 120_000 });
  assert.equal(run.code, 0, describeRun(run));
  assert.match(run.stderr, /note: -z: ignored \(upyflash always compresses\)/);
  assert.match(run.stdout, /Verified/);
  await b.stop();
  const flash = new Uint8Array(await readFile(flashFile));
  assertRegion(flash, 0x8000, p.table, 'partition table');
  assertRegion(flash, 0x10000, p.app, 'app');
  assert.equal(flash[0x1000 + 2], 2, 'flash mode byte is dio');
});

test('merge-bin output flashed as one file reads back the same as the parts; image-info describes it part by part', async () => {
  const p = await buildFolder(23);
  const merged = join(p.dir, 'merged.bin');
  const m = await runCli([
    '--json', 'merge_bin', '-o', merged, '--flash_mode', 'dio',
    '0x1000', join(p.dir, 'bootloader', 'bootloader.bin'),
    '0x8000', join(p.dir, 'partition_table', 'partition-table.bin'),
    '0x10000', join(p.dir, 'micropython.bin'),
  ]);
  assert.equal(m.code, 0, describeRun(m));
  const mergedBytes = new Uint8Array(await readFile(merged));
  assert.equal(mergedBytes.length, 0x10000 - 0x1000 + p.app.length, 'starts at the bootloader offset, ends with the app');
  assert.ok(mergedBytes.subarray(p.bootloader.length, 0x7000).every((x) => x === 0xff), 'gap after the bootloader is 0xFF');

  const info = await runCli(['image-info', merged]);
  assert.equal(info.code, 0, describeRun(info));
  assert.match(info.stdout, /merged image/);
  assert.match(info.stdout, /factory/);
  assert.match(info.stdout, /1\.27\.0/);

  const flashFile = join(p.dir, 'flash.img');
  const b = await board(flashFile);
  const run = await runCli(['flash', merged, '--port', b.rfc2217, '--after', 'no-reset', '--baud', '115200'], { timeoutMs: 120_000 });
  assert.equal(run.code, 0, describeRun(run));
  await b.stop();
  const flash = new Uint8Array(await readFile(flashFile));
  assertRegion(flash, 0x1000, mergedBytes, 'merged image');
  assertRegion(flash, 0x8000, p.table, 'partition table');
  assertRegion(flash, 0x10000, p.app, 'app');

  // --target-offset 0: the file starts at 0x0 with 0xFF up to the bootloader; --fill-flash-size pads it.
  const zero = join(p.dir, 'merged0.bin');
  const z = await runCli(['merge-bin', '-o', zero, '--target-offset', '0', '--fill-flash-size', '4MB', '0x1000', join(p.dir, 'bootloader', 'bootloader.bin'), '0x10000', join(p.dir, 'micropython.bin')]);
  assert.equal(z.code, 0, describeRun(z));
  const zeroBytes = new Uint8Array(await readFile(zero));
  assert.equal(zeroBytes.length, FLASH_BYTES);
  assert.ok(zeroBytes.subarray(0, 0x1000).every((x) => x === 0xff));
  assertRegion(zeroBytes, 0x10000, p.app, 'app in the 0x0-based merge');
});

test('overlapping parts and a bad partition-table MD5 are refused with exit 4 before anything is erased', async () => {
  const p = await buildFolder(24);
  const flashFile = join(p.dir, 'flash.img');
  const before = new Uint8Array(FLASH_BYTES).fill(0xff);
  before.set(new TextEncoder().encode('user files live here'), 0x200000);
  before.set(buildSampleFirmware({ chip: ESP32, appBytes: 80_000, seed: 9 }), 0x1000);
  await writeFile(flashFile, before);
  const badTable = p.table.slice();
  badTable[0x14] = badTable[0x14]! ^ 0x01; // a label byte: the table still parses, its MD5 no longer matches
  await writeFile(join(p.dir, 'bad-table.bin'), badTable);
  const b = await board(flashFile, 'download');
  const boot = join(p.dir, 'bootloader', 'bootloader.bin');
  const app = join(p.dir, 'micropython.bin');
  const cases = [
    { args: ['0x1000', boot, '0x8000', join(p.dir, 'bad-table.bin'), '0x10000', app], code: 'E030', says: /bad-table\.bin.*MD5 mismatch/ },
    { args: ['0x1000', boot, '0x8000', join(p.dir, 'partition_table', 'partition-table.bin'), '0x20000', app, '0x10000', app], code: 'E039', says: /micropython\.bin.*overlap/ },
  ];
  for (const c of cases) {
    const run = await runCli(['--json', 'flash', ...c.args, '--port', b.rfc2217, '--after', 'no-reset', '--baud', '115200']);
    assert.equal(run.code, 4, describeRun(run));
    const doc = cliJson(run);
    assert.equal(doc.error?.code, c.code, describeRun(run));
    assert.match(doc.error?.message ?? '', c.says);
    assert.doesNotMatch(run.stderr, /Erasing|Writing/);
  }
  await b.stop();
  const after = new Uint8Array(await readFile(flashFile));
  const firstDiff = after.findIndex((x, i) => x !== before[i]);
  assert.equal(firstDiff, -1, `flash unchanged (first difference at 0x${firstDiff.toString(16)}, length ${after.length})`);
});

test('a build folder naming a missing file, or inconsistent, fails naming the file', async () => {
  const p = await buildFolder(25);
  const args = JSON.parse(await readFile(join(p.dir, 'flasher_args.json'), 'utf8')) as Record<string, Record<string, string>>;
  args['flash_files']!['0x10000'] = 'gone.bin';
  args['app']!['file'] = 'gone.bin';
  await writeFile(join(p.dir, 'flasher_args.json'), JSON.stringify(args));
  const missing = await runCli(['flash', '--from-build', p.dir, '--port', 'rfc2217://127.0.0.1:1']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /E037.*gone\.bin/);

  args['app']!['file'] = 'micropython.bin';
  await writeFile(join(p.dir, 'flasher_args.json'), JSON.stringify(args));
  const inconsistent = await runCli(['flash', '--from-build', p.dir, '--port', 'rfc2217://127.0.0.1:1']);
  assert.match(inconsistent.stderr, /E037.*"app" names micropython\.bin at 0x10000, but flash_files has gone\.bin/);
});

test('esptool verbs on a board: write_flash 0x0 of a 0x0-based merge, verify_flash, erase_region, read_flash ALL, read_mac, chip_id', async () => {
  const p = await buildFolder(26);
  const b = await board(join(p.dir, 'flash.img'), 'download');
  const conn = ['--chip', 'esp32', '-p', b.rfc2217, '-b', '115200', '--before', 'default_reset', '--after', 'no_reset'];
  const zero = join(p.dir, 'merged0.bin');
  const m = await runCli(['merge_bin', '-o', zero, '--target-offset', '0', '0x1000', join(p.dir, 'bootloader', 'bootloader.bin'), '0x8000', join(p.dir, 'partition_table', 'partition-table.bin'), '0x10000', join(p.dir, 'micropython.bin')]);
  assert.equal(m.code, 0, describeRun(m));
  const info = await runCli(['image_info', zero]);
  assert.equal(info.code, 0, describeRun(info));
  assert.match(info.stdout, /image proper starts at file offset 0x1000/);

  const w = await runCli([...conn, 'write_flash', '-z', '0x0', zero], { timeoutMs: 120_000 });
  assert.equal(w.code, 0, describeRun(w));
  const v = await runCli([...conn, 'verify_flash', '0x10000', join(p.dir, 'micropython.bin')]);
  assert.equal(v.code, 0, describeRun(v));
  assert.match(v.stdout, /matches the flash at 0x10000/);

  const e = await runCli([...conn, 'erase_region', '0x20000', '0x10000']);
  assert.equal(e.code, 0, describeRun(e));
  const out = join(p.dir, 'all.bin');
  const r = await runCli([...conn, 'read_flash', '0', 'ALL', out], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, describeRun(r));
  const flash = new Uint8Array(await readFile(out));
  assert.equal(flash.length, FLASH_BYTES);
  assertRegion(flash, 0x10000, p.app.subarray(0, 0x10000), 'app before the erased region');
  assert.ok(flash.subarray(0x20000, 0x30000).every((x) => x === 0xff), 'erase_region erased 0x20000..0x30000');
  assertRegion(flash, 0x30000, p.app.subarray(0x20000), 'app after the erased region');
  const unaligned = await runCli([...conn, 'erase_region', '0x20001', '0x1000']);
  assert.equal(unaligned.code, 2, describeRun(unaligned));

  const mac = await runCli(['--json', ...conn, 'read_mac']);
  assert.equal(mac.code, 0, describeRun(mac));
  assert.match(cliJson<{ mac: string }>(mac).result?.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  const id = await runCli([...conn, 'chip_id']);
  assert.equal(id.code, 0, describeRun(id));
  assert.match(id.stdout, /Chip is ESP32/);
});

test("an app written without a table must fit the partition table already on the board", async () => {
  const p = await buildFolder(27);
  const flashFile = join(p.dir, 'flash.img');
  const before = new Uint8Array(FLASH_BYTES).fill(0xff);
  before.set(p.bootloader, 0x1000);
  // The board's table gives the factory app only 64 KiB, less than micropython.bin.
  before.set(encodePartitionTable([{ label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x10000 }]), 0x8000);
  await writeFile(flashFile, before);
  const b = await board(flashFile, 'download');
  const conn = ['--port', b.rfc2217, '--after', 'no-reset', '--baud', '115200'];
  for (const args of [['0x10000', join(p.dir, 'micropython.bin')], ['0x1000', join(p.dir, 'bootloader', 'bootloader.bin'), '0x10000', join(p.dir, 'micropython.bin')]]) {
    const run = await runCli(['--json', 'flash', ...args, ...conn]);
    assert.equal(run.code, 4, describeRun(run));
    assert.equal(cliJson(run).error?.code, 'E034');
    assert.match(cliJson(run).error?.message ?? '', /micropython\.bin.*does not fit its partition "factory"/);
  }
  await b.stop();
  assert.equal(Buffer.from(await readFile(flashFile)).equals(Buffer.from(before)), true, 'flash unchanged');
});
