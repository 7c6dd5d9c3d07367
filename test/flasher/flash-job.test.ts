import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32, ESP8266, chipById } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { firmwareForTarget, prepareFirmware, preparedFits, runFlashJob } from '../../src/flasher/flash-job.js';
import { connect } from '../../src/flasher/session.js';
import { analyzeFirmware } from '../../src/image/firmware-file.js';
import { flashSizeBytes } from '../../src/image/flash-size.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { Reporter } from '../../src/progress.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { micropythonApp } from '../../src/virtual-board/micropython/index.js';
import { connectBoard, flashAndBoot } from '../../src/web/flash-flow.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

test('page and CLI write identical bytes for the same ESP8266 image (flash size detect patched in by both)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-job-'));
  const image = buildSampleFirmware({ chip: ESP8266, version: '1.26.1', buildDate: '2025-09-11' });
  const headerSize = flashSizeBytes(ESP8266, image[3]! >> 4)!;
  const boardBytes = 4 * 1024 * 1024;
  // The point of the test: the image's header names another size than the board has, so `detect` must rewrite it.
  assert.notEqual(headerSize, boardBytes);
  const fw = join(dir, 'ESP8266_GENERIC-test.bin');
  await writeFile(fw, image);

  // The CLI, as a user runs it, against `upyflash virtual-board --chip esp8266 --flash FILE`.
  const flashFile = join(dir, 'cli-flash.img');
  const proc = await startBoardProcess({ chip: 'esp8266', flashFile, flashSize: '4MB' });
  let cliDoc;
  try {
    const run = await runCli(['--json', 'flash', fw, '--port', proc.rfc2217, '--no-boot-check', '--after', 'no-reset'], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    cliDoc = cliJson<{ verified: boolean; address: number; md5: string; flashParams: string }>(run);
  } finally {
    await proc.stop();
  }
  const cliFlash = new Uint8Array(await readFile(flashFile));
  assert.equal(cliFlash.length, boardBytes);

  // The page's flow function, on an in-process board running MicroPython after the flash.
  const board = new VirtualBoard({ chip: 'esp8266', flashBytes: boardBytes, app: micropythonApp(), stubImage: () => loadStubImage(ESP8266) });
  const transport = endpointTransport(board.connect(), 'virtual:esp8266', { onClose: () => board.close() });
  try {
    const connected = await connectBoard(transport, { stubProvider: esptoolJsStub }, new Reporter());
    const { result, boot } = await flashAndBoot(connected, { firmware: analyzeFirmware(image, 'ESP8266_GENERIC-test.bin'), eraseAll: false }, new Reporter());
    assert.equal(boot.version, '1.26.1');
    assert.equal(result.md5, cliDoc.result?.md5);
    const pageBytes = board.flash.read(0, image.length);
    assert.deepEqual(pageBytes, cliFlash.subarray(0, image.length));
    assert.equal(pageBytes[3]! >> 4, ESP8266.flashSizes['4MB']!, 'header names the detected 4 MB');
    assert.notDeepEqual(pageBytes, image, 'the flash parameters were patched, not written as in the file');
  } finally {
    await transport.close();
  }
  assert.equal(cliDoc.result?.verified, true);
  assert.match(cliDoc.result?.flashParams ?? '', /size 1MB -> 4MB/);
  await rm(dir, { recursive: true, force: true });
});

function inProcessBoard(chipId: string, flashBytes?: number) {
  const chip = chipById(chipId)!;
  const board = new VirtualBoard({ chip: chip.id, linkModel: false, flashTiming: false, stubImage: () => loadStubImage(chip), ...(flashBytes ? { flashBytes } : {}) });
  const transport = endpointTransport(board.connect(), `virtual:${chip.id}`);
  return { board, open: () => connect(transport, { stubProvider: esptoolJsStub, deflate: nodeDeflate(9) }, new Reporter()) };
}

test('one prepared firmware is reused as is on boards like the one it was prepared for, and checked again on another', async () => {
  const image = buildSampleFirmware({ chip: ESP8266, appBytes: 100_000 });
  const fw = analyzeFirmware(image, 'fw.bin');
  const a = inProcessBoard('esp8266');
  const b = inProcessBoard('esp8266');
  const small = inProcessBoard('esp8266', 512 * 1024);
  const sa = await a.open();
  const sb = await b.open();
  const sc = await small.open();
  try {
    const prepared = prepareFirmware(fw, await sa.describeTarget());
    assert.equal(preparedFits(prepared, await sb.describeTarget()), true);
    assert.equal(preparedFits(prepared, await sc.describeTarget()), false);
    for (const s of [sa, sb]) await runFlashJob(s, { firmware: { prepared }, after: 'no-reset' }, new Reporter());
    assert.deepEqual(a.board.flash.read(0, image.length), prepared.parts[0]!.bytes);
    assert.deepEqual(b.board.flash.read(0, image.length), prepared.parts[0]!.bytes);
    // A 512 KB board gets its own check and header, from the same file.
    const again = await firmwareForTarget({ prepared }, await sc.describeTarget(), {}, new Reporter());
    assert.notEqual(again, prepared);
    assert.equal(again.parts[0]!.bytes[3]! >> 4, ESP8266.flashSizes['512KB']!);
  } finally {
    for (const s of [sa, sb, sc]) await s.close('no-reset');
    for (const x of [a, b, small]) x.board.close();
  }
});

test('a session writes several parts in one flash, verifies each, and skips them all when unchanged', async () => {
  const { board, open } = inProcessBoard('esp32');
  const s = await open();
  try {
    const boot = buildSampleFirmware({ chip: ESP32, appBytes: 80_000 });
    const data = new Uint8Array(0x9000).map((_, i) => (i * 7) & 0xff);
    const parts = [
      { address: 0x1000, bytes: boot },
      { address: 0x200000, bytes: data },
    ];
    const r = await s.flash({ parts });
    assert.equal(r.verified, true);
    assert.equal(r.imageBytes, boot.length + data.length);
    assert.deepEqual(r.parts.map((p) => p.address), [0x1000, 0x200000]);
    assert.deepEqual(board.flash.read(0x1000, boot.length), boot);
    assert.deepEqual(board.flash.read(0x200000, data.length), data);
    const again = await s.flash({ parts });
    assert.equal(again.writtenBytes, 0);
    await assert.rejects(s.flash({ parts: [parts[0]!, { address: 0x2000, bytes: data }] }), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT'));
  } finally {
    await s.close('no-reset');
    board.close();
  }
});

test('a refused firmware through the job leaves the flash as it was, before any backup or erase', async () => {
  const { board, open } = inProcessBoard('esp32');
  const s = await open();
  const before = board.flash.read(0, 0x20000).slice();
  let backedUp = false;
  try {
    await assert.rejects(
      runFlashJob(
        s,
        {
          firmware: { resolve: async () => ({ bytes: buildSampleFirmware({ chip: ESP8266 }), fileName: 'esp8266.bin' }) },
          eraseAll: true,
          backup: async () => void (backedUp = true),
        },
        new Reporter(),
      ),
      (e: unknown) => isUpyflashError(e, 'WRONG_CHIP'),
    );
    assert.equal(backedUp, false);
    assert.deepEqual(board.flash.read(0, 0x20000), before);
  } finally {
    await s.close('no-reset');
    board.close();
  }
});
