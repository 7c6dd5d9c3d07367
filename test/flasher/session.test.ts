import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChipSpec, ESP32, ESP8266 } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { connect, type FlasherSession, type SessionOptions } from '../../src/flasher/session.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { classicReset, unixTightReset } from '../../src/flasher/reset.js';
import { analyzeFirmware } from '../../src/image/firmware-file.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { flashSizeBytes } from '../../src/image/flash-size.js';
import { type FlashJobInput, runFlashJob } from '../../src/flasher/flash-job.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { Reporter, type ProgressEvent } from '../../src/progress.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../src/virtual-board/board.js';

const deflate = nodeDeflate(9);

function makeBoard(chip: ChipSpec, extra: Partial<VirtualBoardOptions> = {}): VirtualBoard {
  return new VirtualBoard({
    chip: chip.id,
    linkModel: false,
    flashTiming: false,
    stubImage: () => loadStubImage(chip),
    ...extra,
  });
}

async function session(board: VirtualBoard, opts: Partial<SessionOptions> = {}, events: ProgressEvent[] = []): Promise<FlasherSession> {
  const transport = endpointTransport(board.connect(), `virtual:${board.chip.id}`);
  const reporter = new Reporter({ emit: (e) => events.push(e) });
  return connect(transport, { stubProvider: esptoolJsStub, deflate, ...opts }, reporter);
}

/** The flash job as every front end runs it, leaving the chip in the loader for the next step. */
async function flashJob(s: FlasherSession, bytes: Uint8Array, extra: Partial<FlashJobInput> = {}) {
  const job = await runFlashJob(s, { firmware: { file: analyzeFirmware(bytes, 'firmware.bin') }, after: 'no-reset', ...extra }, new Reporter());
  return job.flash;
}

for (const chip of [ESP32, ESP8266]) {
  for (const stub of [true, false]) {
    test(`${chip.name} ${stub ? 'stub' : 'ROM (--no-stub)'}: flash at 0x${chip.bootloaderOffset.toString(16)} reads back identical, reflash skips, erase leaves 0xFF`, async () => {
      const image = buildSampleFirmware({ chip, appBytes: 200_000 });
      // A flash the size the image's header names, so the job's default flash parameters leave it as is.
      const board = makeBoard(chip, { flashBytes: flashSizeBytes(chip, image[3]! >> 4)! });
      const s = await session(board, { stub });
      try {
        const r = await flashJob(s, image);
        assert.equal(r.address, chip.bootloaderOffset);
        // Sectors of the bootloader area that already hold the file (0xFF padding on blank flash) are skipped.
        assert.equal(r.writtenBytes + r.skippedBytes, image.length);
        assert.ok(r.writtenBytes > image.length - 0x10000, String(r.writtenBytes));
        assert.deepEqual(board.flash.read(chip.bootloaderOffset, image.length), image);
        assert.equal(r.stub, stub);
        // ESP8266 ROM has no MD5: the result must say "not verified" rather than claim success.
        assert.equal(r.verified, stub || chip.rom.supportsMd5);
        if (r.verified) {
          const again = await flashJob(s, image);
          assert.equal(again.writtenBytes, 0);
          assert.equal(again.skippedBytes, image.length);
          const v = await s.verify({ image, address: chip.bootloaderOffset });
          assert.equal(v.match, true);
        }
        if (stub) {
          const back = await s.readFlash(chip.bootloaderOffset, 0x3000);
          assert.deepEqual(back, image.subarray(0, 0x3000));
        }
        await s.erase();
        const after = board.flash.read(0, 0x40000);
        assert.ok(after.every((b) => b === 0xff), 'erased flash reads 0xFF');
      } finally {
        await s.close('no-reset');
        board.close();
      }
    });
  }
}

test('a partly changed image rewrites only the differing 64 KiB regions', async () => {
  const board = makeBoard(ESP32);
  const image = buildSampleFirmware({ chip: ESP32, appBytes: 400_000 });
  const s = await session(board);
  try {
    await s.flash({ image, address: 0x1000 });
    const changed = image.slice();
    changed[0x30000] = (changed[0x30000]! + 1) & 0xff;
    const r = await s.flash({ image: changed, address: 0x1000 });
    assert.equal(r.written.length, 1);
    assert.equal(r.writtenBytes, 0x10000);
    assert.deepEqual(board.flash.read(0x1000, changed.length), changed);
  } finally {
    await s.close('no-reset');
    board.close();
  }
});

test('refused images leave the flash unchanged: wrong chip, HTML page, ELF, truncated, oversize', async () => {
  const board = makeBoard(ESP32, { flashBytes: 2 * 1024 * 1024 });
  const good = buildSampleFirmware({ chip: ESP32, appBytes: 200_000 });
  const s = await session(board);
  try {
    await s.flash({ image: good, address: 0x1000 });
    const before = board.flash.read(0, 2 * 1024 * 1024).slice();
    const html = new TextEncoder().encode('<!DOCTYPE html><html><head><title>MicroPython - Python for microcontrollers</title></head><body></body></html>');
    const elf = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, ...new Array<number>(200).fill(0)]);
    const cases: Array<[string, Uint8Array, string[]]> = [
      ['wrong chip', buildSampleFirmware({ chip: ESP8266, appBytes: 100_000 }), ['WRONG_CHIP']],
      ['HTML page', html, ['NOT_AN_IMAGE']],
      ['ELF', elf, ['NOT_AN_IMAGE']],
      ['truncated', good.subarray(0, 5000), ['TRUNCATED_IMAGE', 'NOT_AN_IMAGE']],
      ['oversize', buildSampleFirmware({ chip: ESP32, appBytes: 2_500_000 }), ['IMAGE_TOO_LARGE']],
    ];
    for (const [name, bytes, kinds] of cases) {
      await assert.rejects(
        flashJob(s, bytes, { eraseAll: true }),
        (e: unknown) => isUpyflashError(e) && kinds.includes(e.kind),
        name,
      );
      assert.deepEqual(board.flash.read(0, 2 * 1024 * 1024), before, `${name}: flash unchanged`);
    }
  } finally {
    await s.close('no-reset');
    board.close();
  }
});

test('a board that ignores the reset lines: error names the BOOT button', async () => {
  const board = makeBoard(ESP32, { behaviour: 'ignore-reset' });
  await assert.rejects(session(board, { connectAttempts: 2 }), (e: unknown) => {
    assert.ok(isUpyflashError(e, 'WRONG_BOOT_MODE'), String(e));
    assert.match(e.hint, /BOOT/);
    return true;
  });
  board.close();
});

test('a silent port: error names cable, driver and port', async () => {
  const board = makeBoard(ESP32, { behaviour: 'silent' });
  await assert.rejects(session(board, { connectAttempts: 2 }), (e: unknown) => {
    assert.ok(isUpyflashError(e, 'NO_SERIAL_DATA'), String(e));
    assert.match(e.hint, /cable/);
    assert.match(e.hint, /driver/);
    assert.match(e.hint, /port/);
    return true;
  });
  board.close();
});

for (const [name, strategy] of [
  ['classic', classicReset(50)],
  ['unix-tight', unixTightReset(50)],
] as const) {
  test(`${name} reset enters download mode (in-process)`, async () => {
    const board = makeBoard(ESP32);
    const events: ProgressEvent[] = [];
    const s = await session(board, { resetStrategies: [strategy], connectAttempts: 1 }, events);
    assert.equal(s.chip.id, 'esp32');
    assert.ok(events.some((e) => e.type === 'log' && e.message.includes(`synced after ${name} reset`)));
    await s.close('no-reset');
    board.close();
  });
}

test('onto erased flash one MD5 of the span says so: no chunk compare, and the image\'s own 0xFF sectors are not written', async () => {
  const image = buildSampleFirmware({ chip: ESP32, appBytes: 200_000 });
  const board = makeBoard(ESP32, { flashBytes: flashSizeBytes(ESP32, image[3]! >> 4)! });
  const s = await session(board);
  try {
    const r = await flashJob(s, image);
    assert.equal(r.verified, true);
    assert.deepEqual(board.flash.read(ESP32.bootloaderOffset, image.length), image);
    // Every 4 KiB sector of the image that holds something was written, none that is all 0xFF.
    const sectors = (from: number, to: number) => {
      const out: number[] = [];
      for (let at = from; at < to; at += 0x1000) out.push(at);
      return out;
    };
    const written = new Set(r.written.flatMap((w) => sectors(w.offset, w.offset + w.length)));
    for (const at of sectors(ESP32.bootloaderOffset, ESP32.bootloaderOffset + image.length)) {
      const inImage = image.subarray(at - ESP32.bootloaderOffset, at - ESP32.bootloaderOffset + 0x1000);
      assert.equal(written.has(at), inImage.some((b) => b !== 0xff), `sector 0x${at.toString(16)}`);
    }
    assert.ok(r.skippedBytes > 0, 'the padding between bootloader, partition table and app is skipped');
    // One SPI_FLASH_MD5 frame (26 bytes and its escapes) is all the comparing that went over the line.
    const compare = r.phases.find((p) => p.phase === 'compare');
    assert.ok(compare && compare.bytesOut > 0 && compare.bytesOut < 2 * 26, `compare sent ${compare?.bytesOut} bytes`);
  } finally {
    await s.close('no-reset');
  }
});
