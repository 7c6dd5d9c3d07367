/**
 * rfc2217://host:port — a remote serial port (esp_rfc2217_server, ser2net in telnet mode, the
 * virtual board's server). Telnet carries the data, COM-PORT-OPTION carries baud, DTR/RTS and purge.
 * The opening handshake follows what pyserial's client sends, so servers tested with esptool work.
 */
import type { Socket } from 'node:net';
import { UpyflashError, isUpyflashError } from '../../errors.js';
import { concatBytes } from '../../platform/bytes.js';
import { ByteQueue } from '../byte-queue.js';
import {
  BINARY,
  COM_PORT_OPTION,
  ComPort,
  Control,
  DO,
  Purge,
  SERVER_OFFSET,
  SGA,
  TelnetDecoder,
  WILL,
  baudPayload,
  comPortCommand,
  escapeIac,
  type TelnetEvent,
} from '../rfc2217-codec.js';
import { PendingAnswers } from '../pending-answers.js';
import { TelnetOptions } from '../telnet-options.js';
import { connectTcp, endSocket, ownBytes, writeSocket, type TcpAddress } from './tcp-link.js';
import type { ControlLines, Transport, TransportCapabilities } from '../transport.js';

export interface Rfc2217Options {
  /** Seconds to wait for each server acknowledgement (pyserial's `timeout`, default 3). */
  networkTimeoutMs?: number;
  /**
   * Do not wait for SET_CONTROL answers (pyserial's `ign_set_control`). Without it the first
   * unanswered SET_CONTROL costs one network timeout, after which answers are no longer awaited.
   */
  ignoreSetControlAnswer?: boolean;
  /**
   * How long a server that does answer is given for the answers that wait on the serial port itself:
   * SET_BAUDRATE, and SET_CONTROL once the server has answered one. A bridge (ser2net) answers those
   * only when the port behind it has changed, which on a busy machine or through a chain of bridges
   * takes longer than a network round trip. Default 15 s.
   */
  settleTimeoutMs?: number;
}

/** Options we are willing to have on, in both directions. */
const SUPPORTED_OPTIONS: ReadonlySet<number> = new Set([BINARY, SGA, COM_PORT_OPTION]);

const PARITY_NONE = 1;
const STOPSIZE_ONE = 1;
const DATASIZE_EIGHT = 8;
const CONTROL_NO_FLOW_CONTROL = 1;

/** A COM-PORT-OPTION command: code, payload, and its name for error messages. */
type Command = readonly [number, Uint8Array, string];


export class Rfc2217Transport implements Transport {
  readonly capabilities: TransportCapabilities = { controlLines: true, baudRate: true, atomicSignals: false };
  private socket: Socket | undefined;
  private readonly queue = new ByteQueue();
  private decoder = new TelnetDecoder();
  private lastWrite: Promise<void> = Promise.resolve();
  private currentBaud: number;
  private readonly networkTimeoutMs: number;
  private readonly settleTimeoutMs: number;
  /** The server has answered a SET_CONTROL: it does answer them, so a late answer is only slow. */
  private controlAnswered = false;
  private ignoreSetControlAnswer: boolean;
  /** What the server was last told; unknown until the first setSignals after connecting. */
  private lines: ControlLines | undefined;
  private options = new TelnetOptions(SUPPORTED_OPTIONS);
  private readonly answers = new PendingAnswers();
  private optionWaiter: { check: () => void; fail: (e: Error) => void } | undefined;

  constructor(
    readonly name: string,
    private readonly address: TcpAddress,
    baud: number,
    options: Rfc2217Options = {},
  ) {
    this.currentBaud = baud;
    this.networkTimeoutMs = options.networkTimeoutMs ?? 3000;
    this.settleTimeoutMs = Math.max(this.networkTimeoutMs, options.settleTimeoutMs ?? 15_000);
    this.ignoreSetControlAnswer = options.ignoreSetControlAnswer ?? false;
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    if (this.socket) return;
    this.queue.reset();
    this.decoder = new TelnetDecoder();
    this.options = new TelnetOptions(SUPPORTED_OPTIONS);
    this.lines = undefined;
    const socket = await connectTcp(this.address, this.name);
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.receive(ownBytes(chunk)));
    socket.on('error', () => undefined); // 'close' follows and reports it
    socket.on('close', () => this.lost(new UpyflashError('DISCONNECTED', `${this.name}: the server closed the connection`)));
    try {
      await this.negotiate();
      await this.configurePort();
      await this.setSignals({ dtr: false, rts: false });
      await this.flushInput();
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.lost(new UpyflashError('DISCONNECTED', `${this.name} is closed`));
    await endSocket(socket);
  }

  write(data: Uint8Array): Promise<void> {
    return this.send(escapeIac(data));
  }

  read(timeoutMs: number): Promise<Uint8Array> {
    return this.queue.read(timeoutMs);
  }

  /**
   * RFC 2217 moves one line per command, so only the lines that change are sent, back to back in a
   * single TCP write, in an order whose in-between state keeps DTR asserted: DTR is asserted first
   * and released last. The momentary state is then "DTR alone" or "both", which never resets the
   * chip on the usual two-transistor circuit, instead of "RTS alone", which would. Sending changes
   * only also matches servers that act on edges (esptool's esp_rfc2217_server starts its own reset
   * sequence on DTR going on).
   */
  async setSignals(lines: ControlLines): Promise<void> {
    const last = this.lines;
    const dtr = last?.dtr === lines.dtr ? [] : [lines.dtr ? Control.DTR_ON : Control.DTR_OFF];
    const rts = last?.rts === lines.rts ? [] : [lines.rts ? Control.RTS_ON : Control.RTS_OFF];
    const order = lines.dtr ? [...dtr, ...rts] : [...rts, ...dtr];
    if (order.length === 0) return;
    const commands = order.map((value): Command => [ComPort.SET_CONTROL, Uint8Array.of(value), 'SET_CONTROL']);
    await this.control(commands);
    this.lines = { dtr: lines.dtr, rts: lines.rts };
  }

  /**
   * SET_CONTROL, waiting for the answers until a server shows it never sends them: esptool's
   * esp_rfc2217_server does not answer DTR/RTS changes (esptool needs ?ign_set_control for it), nor
   * does sredird. The commands did go out, so stop waiting rather than fail.
   */
  private async control(commands: readonly Command[]): Promise<void> {
    try {
      await this.exchange(commands, !this.ignoreSetControlAnswer, this.controlAnswered ? this.settleTimeoutMs : this.networkTimeoutMs);
      if (!this.ignoreSetControlAnswer) this.controlAnswered = true;
    } catch (e) {
      if (!isUpyflashError(e, 'TIMEOUT')) throw e;
      this.ignoreSetControlAnswer = true;
    }
  }

  async setBaud(baud: number): Promise<void> {
    await this.exchange([[ComPort.SET_BAUDRATE, baudPayload(baud), 'SET_BAUDRATE']], true, this.settleTimeoutMs);
    this.currentBaud = baud;
  }

  /** Purges the server's receive buffer too, then drops what already reached us. */
  async flushInput(): Promise<void> {
    await this.exchange([[ComPort.PURGE_DATA, Uint8Array.of(Purge.RECEIVE), 'PURGE_DATA']]);
    this.queue.clear();
  }

  async drain(): Promise<void> {
    await this.lastWrite.catch(() => undefined);
  }

  private async negotiate(): Promise<void> {
    const requests = [BINARY, SGA, COM_PORT_OPTION].flatMap((option) => [
      this.options.request(WILL, option),
      this.options.request(DO, option),
    ]);
    await this.send(concatBytes(requests));
    // Like pyserial, the one answer we cannot do without is the server's DO COM-PORT-OPTION.
    await this.waitFor(() => this.options.ourState(COM_PORT_OPTION) !== 'requested', 'COM-PORT-OPTION negotiation');
    if (this.options.ourState(COM_PORT_OPTION) !== 'active') {
      throw new UpyflashError('PROTOCOL_ERROR', `${this.name}: the server refused RFC 2217 (COM-PORT-OPTION)`, {
        hint: 'The server is not an RFC 2217 server: use socket://host:port for a raw TCP serial server.',
      });
    }
  }

  /** Baud, 8N1 and no flow control, each acknowledged by the server before we go on. */
  private async configurePort(): Promise<void> {
    // The port settings wait on the serial port behind the server: they get the settle time.
    await this.exchange(
      [
        [ComPort.SET_BAUDRATE, baudPayload(this.currentBaud), 'SET_BAUDRATE'],
        [ComPort.SET_DATASIZE, Uint8Array.of(DATASIZE_EIGHT), 'SET_DATASIZE'],
        [ComPort.SET_PARITY, Uint8Array.of(PARITY_NONE), 'SET_PARITY'],
        [ComPort.SET_STOPSIZE, Uint8Array.of(STOPSIZE_ONE), 'SET_STOPSIZE'],
      ],
      true,
      this.settleTimeoutMs,
    );
    await this.control([[ComPort.SET_CONTROL, Uint8Array.of(CONTROL_NO_FLOW_CONTROL), 'SET_CONTROL']]);
  }

  /**
   * Sends the commands in one TCP write (so they reach the server back to back) and, unless told
   * not to, waits for the server's answer to each, as pyserial does.
   */
  private async exchange(commands: readonly Command[], waitForAnswers = true, timeoutMs = this.networkTimeoutMs): Promise<void> {
    const acks = waitForAnswers ? commands.map(([cmd, , label]) => this.expectAck(cmd, label, timeoutMs)) : [];
    // If sending fails the answers never come; keep their rejections from going unobserved.
    for (const ack of acks) ack.catch(() => undefined);
    await this.send(concatBytes(commands.map(([cmd, payload]) => comPortCommand(cmd, payload))));
    await Promise.all(acks);
  }

  private send(bytes: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new UpyflashError('DISCONNECTED', `${this.name} is not open`));
    this.lastWrite = writeSocket(socket, bytes, this.name);
    return this.lastWrite;
  }

  private receive(bytes: Uint8Array): void {
    for (const event of this.decoder.push(bytes)) this.handle(event);
  }

  private handle(event: TelnetEvent): void {
    if (event.type === 'data') {
      this.queue.push(event.data);
    } else if (event.type === 'negotiation') {
      const reply = this.options.receive(event.command, event.option);
      if (reply) void this.send(reply).catch(() => undefined);
      this.optionWaiter?.check();
    } else if (event.option === COM_PORT_OPTION && event.data.length > 0) {
      // Unrequested notifications (line state, modem state, flow control) find no taker: we do not act on them.
      this.answers.answer(event.data[0]!, event.data.subarray(1));
    }
  }

  private expectAck(cmd: number, label: string, timeoutMs: number): Promise<Uint8Array> {
    if (!this.socket) return Promise.reject(new UpyflashError('DISCONNECTED', `${this.name} is not open`));
    return this.answers.expect(
      cmd + SERVER_OFFSET,
      timeoutMs,
      () =>
        new UpyflashError('TIMEOUT', `${this.name}: the RFC 2217 server did not acknowledge ${label}`, {
          hint: 'Check that the server is an RFC 2217 server and is not overloaded; try again.',
          details: { command: label },
        }),
    );
  }

  private waitFor(done: () => boolean, label: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.optionWaiter = undefined;
        reject(
          new UpyflashError('PROTOCOL_ERROR', `${this.name}: no answer to the ${label}`, {
            hint: 'The server does not speak RFC 2217: use socket://host:port for a raw TCP serial server.',
          }),
        );
      }, this.networkTimeoutMs);
      this.optionWaiter = {
        check: () => {
          if (!done()) return;
          clearTimeout(timer);
          this.optionWaiter = undefined;
          resolve();
        },
        fail: (e) => {
          clearTimeout(timer);
          this.optionWaiter = undefined;
          reject(e);
        },
      };
    });
  }

  /** Fails everything pending once the link is gone, so no caller waits for a timeout. */
  private lost(reason: UpyflashError): void {
    this.socket = undefined;
    this.queue.close(reason);
    this.answers.failAll(reason);
    this.optionWaiter?.fail(reason);
  }
}
