import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { echoApp, serveBoard, TINY_ESP32_IMAGE } from '../../harness/board-fixture.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { sleep } from '../../harness/collect.js';

/** A plain TCP client (esptool's socket://, netcat): bytes in, bytes out. */
async function rawClient(port: number) {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const got: number[] = [];
  let closed = false;
  socket.on('data', (d: Buffer) => got.push(...d));
  socket.on('close', () => (closed = true));
  return {
    socket,
    got,
    get closed() {
      return closed;
    },
    async until(cond: () => boolean, ms = 3000) {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end) throw new Error('timed out waiting');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    text: () => Buffer.from(got).toString('latin1'),
    /** Waits until nothing has arrived for `quietMs` (a loaded machine may still be delivering boot text). */
    async quiet(quietMs = 150, ms = 3000) {
      const end = Date.now() + ms;
      for (let seen = -1; seen !== got.length; ) {
        if (Date.now() > end) throw new Error('never quiet');
        seen = got.length;
        await new Promise((r) => setTimeout(r, quietMs));
      }
    },
  };
}

const cleanup = cleanupAfterAll();

async function echoBoardServer(opts: { rawBaud?: number } = {}) {
  // The host connects after the board has booted: the boot text is gone by then, as on a real bridge.
  const board = new VirtualBoard({ chip: 'esp32', app: echoApp, flashTiming: false });
  board.flash.program(0x1000, TINY_ESP32_IMAGE);
  const server = await serveBoard(board, cleanup, opts);
  // Booted: the app runs and the boot text has left the chip (a loaded machine takes longer than any fixed wait).
  const end = Date.now() + 5000;
  for (let sent = -1; (board.state !== 'app' || sent !== board.linkBytes.chipToHost) && Date.now() < end; ) {
    sent = board.linkBytes.chipToHost;
    await sleep(50);
  }
  return { board, server };
}

describe('virtual board server: raw TCP clients', () => {
  it('passes bytes through unchanged, 0xFF included', async () => {
    const { board, server } = await echoBoardServer();
    assert.equal(board.state, 'app');
    const c = await rawClient(server.port);
    await c.quiet();
    c.got.length = 0;
    const hostToChipBefore = board.linkBytes.hostToChip;
    const payload = Uint8Array.of(0x61, 0xff, 0x62, 0xff, 0xff, 0x00, 0xc0);
    c.socket.write(payload);
    await c.until(() => c.got.length >= payload.length);
    assert.deepEqual(Uint8Array.from(c.got), payload);
    assert.equal(board.linkBytes.hostToChip - hostToChipBefore, payload.length);
    c.socket.destroy();
  });

  it('treats a client that stays silent as raw, and hands it what the chip says meanwhile', async () => {
    const { board, server } = await echoBoardServer();
    const c = await rawClient(server.port);
    // A raw client has no control lines; reset the board the way a user presses EN.
    board.powerOn();
    await c.until(() => c.text().includes('hello\r\n'));
    assert.match(c.text(), /^ets Jun {2}8 2016 00:22:57\r\n\r\nrst:0x1 \(POWERON_RESET\),boot:0x13/);
    c.got.length = 0;
    c.socket.write('xyz');
    await c.until(() => c.text() === 'xyz');
    c.socket.destroy();
  });

  it('is a bridge at a fixed baud: a chip at another rate is noise to a raw client', async () => {
    const { server } = await echoBoardServer({ rawBaud: 230400 });
    const c = await rawClient(server.port);
    c.socket.write('hello world');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!c.text().includes('hello world'));
    c.socket.destroy();
  });

  it('closes the TCP connection when a fault cuts the link', async () => {
    const board = new VirtualBoard({ chip: 'esp32', app: echoApp, flashTiming: false, faults: { disconnectAfterBytes: 10 } });
    board.flash.program(0x1000, TINY_ESP32_IMAGE);
    const server = await serveBoard(board, cleanup);
    const c = await rawClient(server.port);
    c.socket.write('0123456789abcdef');
    await c.until(() => c.closed);
    assert.ok(c.closed);
  });
});
