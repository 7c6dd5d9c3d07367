/**
 * Every board verb in both loader modes, on ESP32 and ESP8266, as a user runs them: the CLI as a
 * subprocess against `upyflash virtual-board --flash FILE` in another process, over rfc2217://.
 * flash / read-flash / verify / detect / erase through the flasher stub and with --no-stub (ROM
 * loader), every --json document parsed, and the flash file checked after the board has exited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32, ESP8266, type ChipSpec } from '../../src/chips/index.js';
import { defaultFlashParams } from '../../src/image/flash-params.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { md5, toHex } from '../../src/platform/hash.js';
import { startBoardProcess, type BoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli, type CliResult } from '../../harness/cli-run.js';

interface FlashDoc {
  chip: string;
  address: number;
  imageBytes: number;
  md5: string;
  verified: boolean;
  stub: boolean;
  writtenBytes: number;
}
interface ReadDoc {
  chip: string;
  address: number;
  size: number;
  file: string;
  md5: string;
}
interface VerifyDoc {
  match: boolean;
  address: number;
  fileMd5: string;
  flashMd5: string;
}
interface DetectDoc {
  chip: string;
  mac: string;
  crystalMHz: number;
  flashSizeBytes: number;
  flashId: { manufacturer: string; device: string };
}
interface EraseDoc {
  chip: string;
  flashBytes: number;
  stub: boolean;
}

const FLASH_BYTES = 4 * 1024 * 1024;

async function ok<T>(args: string[]): Promise<T> {
  const run = await runCli(['--json', ...args]);
  assert.equal(run.code, 0, describeRun(run));
  const doc = cliJson<T>(run);
  assert.equal(doc.ok, true, describeRun(run));
  assert.ok(doc.result, 'a result document');
  return doc.result;
}

function assertRefused(run: CliResult, code: string, hint: RegExp): void {
  assert.equal(run.code, 3, describeRun(run));
  const doc = cliJson(run);
  assert.equal(doc.ok, false);
  assert.equal(doc.error?.code, code, describeRun(run));
  assert.match(doc.error?.hint ?? '', hint);
}

const allFF = (b: Uint8Array) => b.every((x) => x === 0xff);

for (const chip of [ESP32, ESP8266] as ChipSpec[]) {
  test(`${chip.name}: flash, read-flash, verify, detect, erase with the stub and with --no-stub`, async () => {
    const dir = await mkdtemp(join(tmpdir(), `upyflash-cli-${chip.id}-`));
    const flashFile = join(dir, 'flash.img');
    const fw = join(dir, `${chip.micropython.board}-test.bin`);
    const image = buildSampleFirmware({ chip, appBytes: 90_000, seed: 7 });
    await writeFile(fw, image);
    const at = chip.bootloaderOffset;
    const port = (b: BoardProcess) => ['--port', b.rfc2217];
    const out = (name: string) => join(dir, name);
    let stubMd5 = '';
    let board = await startBoardProcess({ chip: chip.id, flashFile });
    try {
      // --- stub ---
      const flashed = await ok<FlashDoc>(['flash', fw, ...port(board), '--no-boot-check']);
      assert.equal(flashed.chip, chip.name);
      assert.equal(flashed.address, at);
      assert.equal(flashed.imageBytes, image.length);
      assert.equal(flashed.stub, true);
      assert.equal(flashed.verified, true);
      // Sectors of the bootloader area that blank flash already holds (0xFF padding) are skipped.
      assert.ok(flashed.writtenBytes > image.length - 0x10000 && flashed.writtenBytes <= image.length, String(flashed.writtenBytes));
      stubMd5 = flashed.md5;

      // Sizes typed as esptool users do, upper-case hex included.
      const read = await ok<ReadDoc>(['read-flash', `0x${at.toString(16)}`, `0x${image.length.toString(16).toUpperCase()}`, out('read.bin'), ...port(board)]);
      const back = new Uint8Array(await readFile(out('read.bin')));
      assert.equal(read.size, image.length);
      assert.equal(read.md5, toHex(md5(back)));
      // What flash wrote is the file with the header's flash parameters as the flash verb set them
      // (the ESP8266 default is --flash-size detect); its MD5 is in the flash document.
      assert.equal(read.md5, flashed.md5, 'read back what was written');
      assert.deepEqual(back.subarray(4), image.subarray(4), 'everything after the 4-byte header is the file');
      assert.deepEqual(back.subarray(0, 2), image.subarray(0, 2));

      const verified = await ok<VerifyDoc>(['verify', fw, ...port(board)]);
      assert.equal(verified.match, true, 'the file just flashed verifies');
      assert.equal(verified.address, at);
      // Another build of the same size differs: exit 5 (verification failed) and the differing regions.
      const other = join(dir, `${chip.micropython.board}-other.bin`);
      await writeFile(other, buildSampleFirmware({ chip, appBytes: 90_000, seed: 8 }));
      const mismatch = await runCli(['--json', 'verify', other, ...port(board)]);
      assert.equal(mismatch.code, 5, describeRun(mismatch));
      const mdoc = cliJson<VerifyDoc & { differing: { offset: number; length: number }[] }>(mismatch);
      assert.equal(mdoc.ok, false);
      assert.equal(mdoc.result?.match, false);
      assert.ok((mdoc.result?.differing.length ?? 0) > 0);

      const withStub = await ok<DetectDoc>(['detect', ...port(board)]);
      const romDetect = await ok<DetectDoc>(['detect', '--no-stub', ...port(board)]);
      assert.equal(withStub.chip, chip.name);
      assert.equal(withStub.flashSizeBytes, FLASH_BYTES);
      assert.deepEqual(romDetect, withStub, 'detect reads the same facts through the ROM');
      assert.equal(withStub.crystalMHz, chip.crystalsMHz[0]);
    } finally {
      await board.stop();
    }
    // The board process kept its flash in the file: the image is there after it exited.
    const saved = new Uint8Array(await readFile(flashFile));
    assert.equal(saved.length, FLASH_BYTES);
    assert.deepEqual(saved.subarray(at, at + image.length), new Uint8Array(await readFile(out('read.bin'))));
    assert.ok(allFF(saved.subarray(at + image.length, at + image.length + 0x10000)), 'nothing written past the image');

    board = await startBoardProcess({ chip: chip.id, flashFile });
    try {
      const erased = await ok<EraseDoc>(['erase', ...port(board)]);
      assert.deepEqual(erased, { chip: chip.name, flashBytes: FLASH_BYTES, stub: true });
      await ok<ReadDoc>(['read-flash', '0x0', '0x40000', out('erased.bin'), ...port(board)]);
      assert.ok(allFF(new Uint8Array(await readFile(out('erased.bin')))), 'erase leaves 0xFF');

      // --- ROM loader (--no-stub) ---
      // --flash-size keep: the header as in the file, so what is read back is the file byte for byte.
      const romFlash = await ok<FlashDoc>(['flash', fw, '--no-stub', '--flash-size', 'keep', ...port(board), '--no-boot-check']);
      assert.equal(romFlash.stub, false);
      assert.equal(romFlash.address, at);
      // Only ROMs with SPI_FLASH_MD5 can verify (the ESP8266 ROM cannot): the document says which.
      assert.equal(romFlash.verified, chip.rom.supportsMd5);
      assert.equal(romFlash.md5, toHex(md5(image)), 'the file itself, header kept');
      if (defaultFlashParams(chip).size === 'keep') assert.equal(romFlash.md5, stubMd5, 'where flash keeps the header by default, the stub wrote the same bytes');

      const romVerify = await runCli(['--json', 'verify', fw, '--no-stub', ...port(board)]);
      if (chip.rom.supportsMd5) {
        assert.equal(romVerify.code, 0, describeRun(romVerify));
        assert.equal(cliJson<VerifyDoc>(romVerify).result?.match, true);
      } else {
        assertRefused(romVerify, 'E021', /without --no-stub/);
      }

      // READ_FLASH exists only in the stub: a clear refusal that says so.
      const romRead = await runCli(['--json', 'read-flash', '0x0', '0x1000', out('rom.bin'), '--no-stub', ...port(board)]);
      assertRefused(romRead, 'E021', /--no-stub/);
      assert.match(cliJson(romRead).error?.message ?? '', /stub/);

      // What the ROM wrote reads back through the stub.
      const afterRom = await ok<ReadDoc>(['read-flash', `0x${at.toString(16)}`, String(image.length), out('rom-read.bin'), ...port(board)]);
      assert.equal(afterRom.md5, romFlash.md5);
      assert.ok(Buffer.from(await readFile(out('rom-read.bin'))).equals(Buffer.from(image)), 'read back identical to the file');

      const romErase = await ok<EraseDoc>(['erase', '--no-stub', ...port(board)]);
      assert.deepEqual(romErase, { chip: chip.name, flashBytes: FLASH_BYTES, stub: false });
    } finally {
      await board.stop();
    }
    const wiped = new Uint8Array(await readFile(flashFile));
    assert.ok(allFF(wiped), 'the ROM erase left the whole flash 0xFF');
    await rm(dir, { recursive: true, force: true });
  });
}
