/**
 * "Verified" rests on a check after the last write (issue 20). The virtual board's stray-write fault
 * (virtual-board/flash-faults.ts) plays what an emulated ESP32 ROM did in
 * shared/traces/esp32-rom-multiregion-write: a region's write also lands zeros in the sector after it,
 * a sector the job skipped as already equal. Every job here either ends with the flash equal to the
 * image (read back through the chip) and a "Verified" line naming the span, or fails with E040.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESP32, type ChipSpec } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { connect, type FlasherSession, type SessionOptions } from '../../src/flasher/session.js';
import { writeWithRetry } from '../../src/flasher/write-with-retry.js';
import { changedRanges } from '../../src/flasher/md5.js';
import { BlockTimeouts } from '../../src/flasher/block-timeouts.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { Reporter, type ProgressEvent } from '../../src/progress.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { StrayWrites } from '../../src/virtual-board/flash-faults.js';

const deflate = nodeDeflate(9);
const FLASH = 4 * 1024 * 1024;
/** Shaped like MicroPython v1.26.1 for the ESP32: bootloader at 0x1000, partition table at 0x8000, app at 0x10000. */
const image = buildSampleFirmware({ chip: ESP32, appBytes: 600_000, version: '1.26.1' });
const otherBuild = buildSampleFirmware({ chip: ESP32, appBytes: 600_000, version: '1.25.0', seed: 77 });

function board(strays: number, chip: ChipSpec = ESP32): VirtualBoard {
  return new VirtualBoard({
    chip: chip.id,
    linkModel: false,
    flashTiming: false,
    flashBytes: FLASH,
    stubImage: () => loadStubImage(chip),
    flashFaults: new StrayWrites(strays),
  });
}

async function open(b: VirtualBoard, opts: Partial<SessionOptions>, events: ProgressEvent[]): Promise<FlasherSession> {
  const reporter = new Reporter({ emit: (e) => events.push(e) });
  return connect(endpointTransport(b.connect(), 'virtual:esp32'), { stubProvider: esptoolJsStub, deflate, ...opts }, reporter);
}

/** The flash read back through the chip (READ_FLASH through the stub, checked by the chip's MD5). */
async function readBack(b: VirtualBoard, length: number): Promise<Uint8Array> {
  const s = await open(b, {}, []);
  try {
    return await s.readFlash(0x1000, length);
  } finally {
    await s.close('no-reset');
  }
}

const messages = (events: readonly ProgressEvent[]) => events.flatMap((e) => ('message' in e && typeof e.message === 'string' ? [e.message] : []));

test('per-region checks alone report success over a wrong flash; the final check catches the same stray write', async () => {
  // What the claim rested on before: each region MD5-checked right after its own write.
  const b = board(1);
  const s = await open(b, {}, []);
  try {
    await s.ensureStub();
    const parts = [{ address: 0x1000, bytes: image }];
    const todo = await changedRanges(s.link, image, 0x1000);
    assert.ok(todo.length >= 2, `regions with skipped sectors between them: ${JSON.stringify(todo)}`);
    const w = await writeWithRetry(
      {
        link: s.link,
        reporter: new Reporter(),
        deflate,
        timeouts: new BlockTimeouts(),
        canVerify: true,
        sendEnd: true,
        maxInFlight: 1,
        blockSize: 0x4000,
        retriesAllowed: 2,
        recover: async () => undefined,
      },
      parts,
      todo,
    );
    assert.equal(w.retries, 0, 'every region matched its own MD5');
    assert.notDeepEqual(b.flash.read(0x1000, image.length), image, 'yet the flash does not hold the image');
    // The same job through the session: its final check sees the stray sector and repairs it.
    const events: ProgressEvent[] = [];
    const again = await open(b, {}, events);
    try {
      const r = await again.flash({ image, address: 0x1000 });
      assert.equal(r.verified, true);
    } finally {
      await again.close('no-reset');
    }
    assert.deepEqual(await readBack(b, image.length), image);
  } finally {
    await s.close('no-reset');
    b.close();
  }
});

test('stub, erased flash, one stray write: the final check rewrites the span and the flash holds the image', async () => {
  const b = board(1);
  const events: ProgressEvent[] = [];
  const s = await open(b, {}, events);
  try {
    const r = await s.flash({ image, address: 0x1000 });
    assert.equal(r.verified, true);
    assert.ok(r.skippedBytes > 0, 'the job skipped the image\'s 0xFF sectors');
    const text = messages(events);
    assert.ok(text.some((m) => /did not hold the image after the last write \(0x[0-9a-f]+–0x[0-9a-f]+: bytes landed outside/.test(m)), text.join('\n'));
    assert.ok(text.some((m) => /^Verified: MD5 [0-9a-f]{32} over .* at 0x1000 \(0x1000–0x[0-9a-f]+, checked by the chip after the last write\)/.test(m)), text.join('\n'));
  } finally {
    await s.close('no-reset');
  }
  assert.deepEqual(await readBack(b, image.length), image);
  b.close();
});

for (const stub of [true, false]) {
  test(`${stub ? 'stub' : 'ROM (--no-stub)'}, flash holding another build, every write strays: never success over a wrong flash`, async () => {
    const strayEverywhere = board(Number.POSITIVE_INFINITY);
    strayEverywhere.flash.program(0x1000, otherBuild);
    const events: ProgressEvent[] = [];
    const s = await open(strayEverywhere, { stub }, events);
    let ok = false;
    try {
      const r = await s.flash({ image, address: 0x1000 });
      ok = r.verified;
    } catch (e) {
      assert.ok(isUpyflashError(e, 'VERIFY_FAILED'), String(e));
      assert.match((e as Error).message, /0x[0-9a-f]+–0x[0-9a-f]+/, 'the error names the span');
    } finally {
      await s.close('no-reset');
    }
    const back = await readBack(strayEverywhere, image.length);
    if (ok) assert.deepEqual(back, image, 'a verified job left the image in flash');
    else assert.notDeepEqual(back, image);
    if (!stub) {
      // The ROM loader writes the part whole, as esptool does: the stray sector falls past the image.
      assert.equal(ok, true, messages(events).join('\n'));
      assert.ok(messages(events).some((m) => /whole through the ROM loader/.test(m)));
    }
    strayEverywhere.close();
  });
}

test('ROM (--no-stub), erased flash, the trace\'s job: one region for the part, nothing skipped inside it', async () => {
  const b = board(1);
  const events: ProgressEvent[] = [];
  const s = await open(b, { stub: false }, events);
  try {
    const r = await s.flash({ image, address: 0x1000 });
    assert.equal(r.verified, true);
    assert.equal(r.stub, false);
    assert.deepEqual(r.written, [{ offset: 0x1000, length: image.length }]);
    assert.equal(r.skippedBytes, 0);
  } finally {
    await s.close('no-reset');
  }
  assert.deepEqual(await readBack(b, image.length), image);
  b.close();
});
