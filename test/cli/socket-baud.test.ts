/**
 * socket:// cannot tell the bridge a new rate: the flash stays at the sync rate unless --baud asks,
 * and then the chip is moved (as esptool does) with a one-line note. The board stands in for an
 * emulator such as Espressif's QEMU, whose serial socket follows whatever rate the chip's UART is
 * set to: a raw TCP server in front of it that keeps the host side at the chip's rate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { createServer } from 'node:net';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { listenLocal } from '../../harness/tcp-listen.js';

const cleanup = cleanupAfterAll();

async function socketBoard(): Promise<{ board: VirtualBoard; url: string }> {
  const board = new VirtualBoard({ chip: 'esp32', bootMode: 'download', linkModel: false, flashTiming: false, stubImage: () => loadStubImage(ESP32) });
  const server = createServer((client) => {
    const port = board.connect();
    port.setBaud(board.baud);
    port.onData((d) => {
      if (!client.destroyed) client.write(d);
    });
    client.on('data', (d: Buffer) => {
      // The emulated UART has no line between host and chip: the host side is always at the chip's rate.
      port.setBaud(board.baud);
      port.write(new Uint8Array(d));
    });
    client.on('close', () => port.close()).on('error', () => port.close());
  });
  const tcpPort = await listenLocal(server, cleanup);
  return { board, url: `socket://127.0.0.1:${tcpPort}` };
}

test('socket://: the sync rate by default; an explicit --baud is honoured with a note', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-socket-baud-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const fw = join(dir, 'ESP32_GENERIC-test.bin');
  const image = buildSampleFirmware({ chip: ESP32, appBytes: 40_000 });
  await writeFile(fw, image);
  const [plain, fast] = await Promise.all([socketBoard(), socketBoard()]);
  const args = (url: string) => ['--json', 'flash', fw, '--port', url, '--no-boot-check', '--after', 'no-reset'];
  const [a, b] = await Promise.all([runCli(args(plain.url)), runCli([...args(fast.url), '--baud', '460800'])]);

  assert.equal(a.code, 0, describeRun(a));
  const ra = cliJson<{ baud: number; verified: boolean }>(a).result!;
  assert.equal(ra.baud, 115200);
  assert.equal(ra.verified, true);
  assert.doesNotMatch(a.stderr, /cannot tell the far end a new rate/);

  assert.equal(b.code, 0, describeRun(b));
  const rb = cliJson<{ baud: number; verified: boolean }>(b).result!;
  assert.equal(rb.baud, 460800);
  assert.equal(rb.verified, true);
  const notes = b.stderr.split('\n').filter((l) => l.includes('cannot tell the far end a new rate'));
  assert.equal(notes.length, 1, b.stderr);
  assert.match(notes[0]!, /changing the chip to 460800 baud as --baud asks/);
  for (const { board } of [plain, fast]) assert.deepEqual(board.flash.read(ESP32.bootloaderOffset, image.length), image);
});
