import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import {
  baudPayload,
  COM_PORT_OPTION,
  ComPort,
  comPortCommand,
  DO,
  escapeIac,
  negotiation,
  SERVER_OFFSET,
  SGA,
  TelnetDecoder,
  WILL,
} from '../src/transport/rfc2217-codec.js';



/**
 * A small RFC 2217 client that behaves like pyserial's rfc2217:// (what esptool uses): it opens with
 * DO ECHO, WILL/DO SGA, WILL/DO COM-PORT-OPTION, configures the port and waits for each answer, and
 * sets DTR and RTS one SET_CONTROL at a time.
 */
export const ECHO = 1;

export class PyserialLikeClient {
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

