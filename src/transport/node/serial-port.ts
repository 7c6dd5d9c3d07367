/**
 * Node-only: a local serial device through node-serialport. Opens with both control lines released
 * and always sets them together, because the binding fills an omitted line with its default (asserted),
 * which would reset an ESP on the auto-reset circuit.
 */
import { SerialPort } from 'serialport';
import { UpyflashError } from '../../errors.js';
import { ByteQueue } from '../byte-queue.js';
import { hangupAwareBinding } from './hangup-aware-binding.js';
import { serialOpenError, type SerialErrorContext } from './serial-errors.js';
import type { ControlLines, ModemLines, Transport, TransportCapabilities } from '../transport.js';

/** The part of node-serialport's SerialPort this transport uses; tests may hand in another. */
export interface SerialPortLike {
  open(callback: (err: Error | null) => void): void;
  close(callback: (err: Error | null) => void): void;
  write(data: Uint8Array, callback: (err: Error | null | undefined) => void): boolean;
  drain(callback: (err: Error | null) => void): void;
  flush(callback: (err: Error | null) => void): void;
  set(options: { dtr: boolean; rts: boolean }, callback: (err: Error | null) => void): void;
  update(options: { baudRate: number }, callback: (err: Error | null) => void): void;
  /** The modem lines (TIOCMGET); node-serialport has it, test doubles may leave it out. */
  get?(callback: (err: Error | null, status?: { cts: boolean; dsr: boolean; dcd: boolean }) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (err: (Error & { disconnected?: boolean }) | null) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  readonly isOpen: boolean;
}

export type SerialPortFactory = (options: { path: string; baudRate: number }) => SerialPortLike;

export interface SerialTransportOptions {
  createPort?: SerialPortFactory;
  errorContext?: SerialErrorContext;
}

let binding: typeof SerialPort.binding | undefined;

const nodeSerialPort: SerialPortFactory = ({ path, baudRate }) => {
  binding ??= hangupAwareBinding();
  // autoOpen off so open errors reach our callback; lock (flock) on, so a second opener is told "busy".
  // SerialPort's typings leave `binding` out, but its constructor takes one given in the options.
  const options = { path, baudRate, autoOpen: false, lock: true, hupcl: true, binding } as ConstructorParameters<typeof SerialPort>[0];
  return new SerialPort(options) as unknown as SerialPortLike;
};

function call(fn: (cb: (err: Error | null | undefined) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

export class SerialPortTransport implements Transport {
  private lines = true;
  private port: SerialPortLike | undefined;
  private readonly queue = new ByteQueue();
  private currentBaud: number;
  private closing = false;

  constructor(
    readonly name: string,
    baud: number,
    private readonly options: SerialTransportOptions = {},
  ) {
    this.currentBaud = baud;
  }

  get capabilities(): TransportCapabilities {
    return { controlLines: this.lines, baudRate: true };
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    if (this.port?.isOpen) return;
    this.queue.reset();
    this.closing = false;
    const create = this.options.createPort ?? nodeSerialPort;
    let port: SerialPortLike;
    try {
      port = create({ path: this.name, baudRate: this.currentBaud });
      await call((cb) => port.open(cb));
    } catch (err) {
      throw await serialOpenError(err, this.name, this.options.errorContext);
    }
    port.on('data', (chunk: Buffer) => this.queue.push(new Uint8Array(chunk)));
    port.on('error', () => undefined); // surfaced through 'close' or the failing call
    port.on('close', (err) => {
      this.port = undefined;
      if (this.closing) return;
      this.queue.close(
        new UpyflashError('DISCONNECTED', `${this.name} went away${err ? `: ${err.message}` : ''}`, {
          ...(err ? { cause: err } : {}),
          details: { path: this.name },
        }),
      );
    });
    this.port = port;
    // The OS asserts both lines on open; release them at once so the board neither resets nor
    // stays in reset. Ports without modem lines (ptys, some adapters) refuse the ioctl: they are
    // still usable, only without automatic reset.
    try {
      await call((cb) => port.set({ dtr: false, rts: false }, cb));
      this.lines = true;
    } catch (err) {
      if (!/ENOTTY|Inappropriate ioctl|EINVAL|Invalid argument/i.test(String(err))) {
        await this.close();
        throw new UpyflashError('DISCONNECTED', `${this.name}: cannot set the control lines: ${String(err)}`, { cause: err });
      }
      this.lines = false;
    }
  }

  async close(): Promise<void> {
    const port = this.port;
    this.closing = true;
    this.port = undefined;
    this.queue.close(new UpyflashError('DISCONNECTED', `${this.name} is closed`));
    if (port?.isOpen) await call((cb) => port.close(cb)).catch(() => undefined);
  }

  async write(data: Uint8Array): Promise<void> {
    const port = this.openPort();
    await call((cb) => port.write(data, cb)).catch((err: unknown) => this.fail(err));
  }

  read(timeoutMs: number): Promise<Uint8Array> {
    return this.queue.read(timeoutMs);
  }

  /** One ioctl for both lines (TIOCMSET on Linux/macOS): no in-between state reaches the board. */
  async setSignals(lines: ControlLines): Promise<void> {
    const port = this.openPort();
    if (!this.lines) return;
    await call((cb) => port.set({ dtr: lines.dtr, rts: lines.rts }, cb)).catch((err: unknown) => this.fail(err));
  }

  async setBaud(baud: number): Promise<void> {
    const port = this.openPort();
    await call((cb) => port.update({ baudRate: baud }, cb)).catch((err: unknown) => this.fail(err));
    this.currentBaud = baud;
  }

  /**
   * node-serialport's flush discards unsent output as well as input, so let pending output leave
   * first: a command written just before must not be lost.
   */
  async flushInput(): Promise<void> {
    const port = this.openPort();
    await call((cb) => port.drain(cb)).catch((err: unknown) => this.fail(err));
    await call((cb) => port.flush(cb)).catch((err: unknown) => this.fail(err));
    this.queue.clear();
  }

  async drain(): Promise<void> {
    const port = this.openPort();
    await call((cb) => port.drain(cb)).catch((err: unknown) => this.fail(err));
  }

  /** CTS, DSR and DCD as the port reads them (node-serialport does not report RI). */
  async modemLines(): Promise<ModemLines> {
    const port = this.openPort();
    const get = port.get?.bind(port);
    if (!get) return { cts: false, dsr: false, cd: false, ri: false };
    const status = await new Promise<{ cts: boolean; dsr: boolean; dcd: boolean } | undefined>((resolve, reject) =>
      get((err, s) => (err ? reject(err) : resolve(s))),
    ).catch((err: unknown) => this.fail(err));
    return { cts: Boolean(status?.cts), dsr: Boolean(status?.dsr), cd: Boolean(status?.dcd), ri: false };
  }

  private openPort(): SerialPortLike {
    if (!this.port?.isOpen) throw new UpyflashError('DISCONNECTED', `${this.name} is not open`, { details: { path: this.name } });
    return this.port;
  }

  private fail(err: unknown): never {
    throw new UpyflashError('DISCONNECTED', `${this.name}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      details: { path: this.name },
    });
  }
}
