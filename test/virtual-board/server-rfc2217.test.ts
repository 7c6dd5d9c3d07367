import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Op } from '../../src/protocol/opcodes.js';
import { decodeResponse, encodeCommand, SYNC_PAYLOAD } from '../../src/protocol/packet.js';
import { SlipDecoder, slipEncode } from '../../src/protocol/slip.js';
import {
  baudPayload,
  COM_PORT_OPTION,
  ComPort,
  comPortCommand,
  Control,
  DO,
  DONT,
  escapeIac,
  negotiation,
  Purge,
  readBaudPayload,
  SERVER_OFFSET,
  SGA,
  TelnetDecoder,
  WILL,
  WONT,
} from '../../src/transport/rfc2217-codec.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { echoApp, serveBoard, TINY_ESP32_IMAGE } from '../../harness/board-fixture.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { sleep } from '../../harness/collect.js';

const ECHO = 1;

/**
 * A small RFC 2217 client that behaves like pyserial's rfc2217:// (what esptool uses): it opens with
 * DO ECHO, WILL/DO SGA, WILL/DO COM-PORT-OPTION, configures the port and waits for each answer, and
 * sets DTR and RTS one SET_CONTROL at a time.
 */
class PyserialLikeClient {
  private readonly telnet = new TelnetDecoder();
  data: number[] = [];
  wire: number[] = [];
  negotiations: [number, number][] = [];
  replies: { cmd: number; payload: Uint8Array }[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.wire.push(...chunk);
      for (const ev of this.telnet.push(new Uint8Array(chunk))) {
        if (ev.type === 'data') this.data.push(...ev.data);
        else if (ev.type === 'negotiation') this.negotiations.push([ev.command, ev.option]);
        else if (ev.option === COM_PORT_OPTION) this.replies.push({ cmd: ev.data[0]!, payload: ev.data.subarray(1) });
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async open(port: number): Promise<PyserialLikeClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const c = new PyserialLikeClient(socket);
    for (const [cmd, opt] of [
      [DO, ECHO],
      [WILL, SGA],
      [DO, SGA],
      [DO, COM_PORT_OPTION],
      [WILL, COM_PORT_OPTION],
    ] as const)
      socket.write(negotiation(cmd, opt));
    await c.until(() => c.has(DO, COM_PORT_OPTION) && c.has(WILL, COM_PORT_OPTION));
    assert.deepEqual(await c.comPort(ComPort.SET_BAUDRATE, baudPayload(115200)), baudPayload(115200));
    assert.deepEqual(await c.comPort(ComPort.SET_DATASIZE, Uint8Array.of(8)), Uint8Array.of(8));
    assert.deepEqual(await c.comPort(ComPort.SET_PARITY, Uint8Array.of(1)), Uint8Array.of(1));
    assert.deepEqual(await c.comPort(ComPort.SET_STOPSIZE, Uint8Array.of(1)), Uint8Array.of(1));
    return c;
  }

  has(cmd: number, opt: number): boolean {
    return this.negotiations.some(([c, o]) => c === cmd && o === opt);
  }

  async comPort(cmd: number, payload: Uint8Array): Promise<Uint8Array> {
    const before = this.replies.length;
    this.socket.write(comPortCommand(cmd, payload));
    await this.until(() => this.replies.slice(before).some((r) => r.cmd === cmd + SERVER_OFFSET));
    return this.replies.slice(before).find((r) => r.cmd === cmd + SERVER_OFFSET)!.payload;
  }

  async control(value: number): Promise<void> {
    assert.deepEqual(await this.comPort(ComPort.SET_CONTROL, Uint8Array.of(value)), Uint8Array.of(value));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(escapeIac(bytes));
  }

  raw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  text(): string {
    const s = String.fromCharCode(...this.data);
    this.data = [];
    return s;
  }

  async until(cond: () => boolean, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 20);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

const cleanup = cleanupAfterAll();

const serve = (board: VirtualBoard) => serveBoard(board, cleanup);

describe('virtual board server: RFC 2217 clients', () => {
  it('negotiates telnet options, acknowledges port settings and the signature', async () => {
    const board = new VirtualBoard({ chip: 'esp32', flashTiming: false });
    const server = await serve(board);
    const c = await PyserialLikeClient.open(server.port);
    assert.ok(c.has(WILL, ECHO) && c.has(WILL, SGA) && c.has(DO, SGA) && c.has(WILL, COM_PORT_OPTION) && c.has(DO, COM_PORT_OPTION));
    const signature = new TextDecoder().decode(await c.comPort(ComPort.SIGNATURE, new Uint8Array(0)));
    assert.match(signature, /ESP32/);
    assert.equal(readBaudPayload(await c.comPort(ComPort.SET_BAUDRATE, baudPayload(0))), 115200, 'baud query');
    assert.deepEqual(await c.comPort(ComPort.PURGE_DATA, Uint8Array.of(Purge.RECEIVE)), Uint8Array.of(Purge.RECEIVE));
    // An option the server does not do is refused; an option already agreed is not answered again,
    // so two agreeing peers never loop.
    const TERMINAL_TYPE = 24;
    const before = c.negotiations.length;
    c.raw(negotiation(WILL, COM_PORT_OPTION));
    c.raw(negotiation(WILL, TERMINAL_TYPE));
    c.raw(negotiation(DO, TERMINAL_TYPE));
    await c.until(() => c.has(DONT, TERMINAL_TYPE) && c.has(WONT, TERMINAL_TYPE));
    await sleep(50);
    assert.deepEqual(c.negotiations.slice(before), [
      [DONT, TERMINAL_TYPE],
      [WONT, TERMINAL_TYPE],
    ]);
    c.close();
  });

  it('enters download mode with esptool\'s classic reset sent as SET_CONTROL, then answers SYNC', async () => {
    const board = new VirtualBoard({ chip: 'esp32', flashTiming: false });
    const server = await serve(board);
    const c = await PyserialLikeClient.open(server.port);
    await c.control(Control.DTR_OFF);
    await c.control(Control.RTS_ON);
    await sleep(100);
    await c.control(Control.DTR_ON);
    await c.control(Control.RTS_OFF);
    await sleep(50);
    await c.control(Control.DTR_OFF);
    await c.until(() => c.text().includes('waiting for download') || board.state === 'download');
    assert.equal(board.state, 'download');
    c.text();
    c.write(slipEncode(encodeCommand(Op.SYNC, SYNC_PAYLOAD)));
    const slip = new SlipDecoder();
    const replies: number[] = [];
    await c.until(() => {
      for (const item of slip.push(Uint8Array.from(c.data.splice(0)))) if (item.kind === 'frame') replies.push(decodeResponse(item.data)?.op ?? -1);
      return replies.length >= 8;
    });
    assert.deepEqual(replies, new Array(8).fill(Op.SYNC));
    c.close();
  });

  it('doubles 0xFF in data both ways, and the chip sees single bytes', async () => {
    const board = new VirtualBoard({ chip: 'esp32', app: echoApp, flashTiming: false });
    board.flash.program(0x1000, TINY_ESP32_IMAGE);
    const server = await serve(board);
    const c = await PyserialLikeClient.open(server.port);
    await c.until(() => c.text().includes('hello'));
    c.wire = [];
    const payload = Uint8Array.of(0x41, 0xff, 0xff, 0x42, 0xff);
    c.write(payload);
    await c.until(() => c.data.length >= payload.length);
    assert.deepEqual(Uint8Array.from(c.data), payload, 'echo undoubled');
    assert.deepEqual(Uint8Array.from(c.wire), Uint8Array.of(0x41, 0xff, 0xff, 0xff, 0xff, 0x42, 0xff, 0xff), 'doubled on the wire');
    assert.equal(board.linkBytes.hostToChip, payload.length, 'the chip got 5 bytes, not 8');
    c.close();
  });

  it('makes a baud rate mismatch visible: SET_BAUDRATE to a rate the chip is not at gives garbage', async () => {
    const board = new VirtualBoard({ chip: 'esp32', app: echoApp, flashTiming: false });
    board.flash.program(0x1000, TINY_ESP32_IMAGE);
    const server = await serve(board);
    const c = await PyserialLikeClient.open(server.port);
    await c.until(() => c.text().includes('hello'));
    await c.comPort(ComPort.SET_BAUDRATE, baudPayload(9600));
    c.write(new TextEncoder().encode('abcdef'));
    await sleep(150);
    assert.ok(!c.text().includes('abcdef'));
    await c.comPort(ComPort.SET_BAUDRATE, baudPayload(115200));
    c.write(new TextEncoder().encode('abcdef'));
    await c.until(() => c.text().includes('abcdef'));
    c.close();
  });

  it('gives the board to the newest client and closes the previous one', async () => {
    const board = new VirtualBoard({ chip: 'esp32', flashTiming: false });
    const server = await serve(board);
    const first = await PyserialLikeClient.open(server.port);
    const second = await PyserialLikeClient.open(server.port);
    await first.until(() => first.closed);
    assert.equal(second.closed, false);
    second.close();
  });
});
