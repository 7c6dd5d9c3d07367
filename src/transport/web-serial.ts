/**
 * Browser: a serial port granted through the Web Serial API (Chrome, Edge). The page asks
 * `navigator.serial.requestPort()` and hands the port here. Web Serial sets DTR and RTS in one call,
 * which is what the reset sequences need; the baud rate can only change by reopening the port.
 */
import { UpyflashError } from '../errors.js';
import { ByteQueue } from './byte-queue.js';
import type { ControlLines, Transport, TransportCapabilities } from './transport.js';

/** The parts of the Web Serial `SerialPort` used here (TypeScript's DOM library does not declare it). */
export interface WebSerialPort {
  open(options: { baudRate: number; bufferSize?: number }): Promise<void>;
  close(): Promise<void>;
  readonly readable: ReadableStream<Uint8Array> | null;
  readonly writable: WritableStream<Uint8Array> | null;
  setSignals(signals: { dataTerminalReady?: boolean; requestToSend?: boolean }): Promise<void>;
  getInfo(): { usbVendorId?: number; usbProductId?: number };
}

/** Large enough that a flash-speed burst is not dropped while the page is busy rendering. */
const BUFFER_SIZE = 64 * 1024;

function asDisconnected(name: string, err: unknown): UpyflashError {
  return new UpyflashError('DISCONNECTED', `${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

class WebSerialTransport implements Transport {
  readonly capabilities: TransportCapabilities = { controlLines: true, baudRate: true };
  private readonly queue = new ByteQueue();
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readLoop: Promise<void> | undefined;
  private isOpen = false;
  /** True while we cancel the reader ourselves (close, baud change): not a disconnect. */
  private stopping = false;
  private lastWrite: Promise<void> = Promise.resolve();
  private lines: ControlLines = { dtr: false, rts: false };
  private currentBaud: number;

  constructor(
    private readonly port: WebSerialPort,
    readonly name: string,
    baud: number,
  ) {
    this.currentBaud = baud;
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.queue.reset();
    await this.openAt(this.currentBaud);
    await this.setSignals({ dtr: false, rts: false });
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    await this.stopReading();
    this.isOpen = false;
    this.queue.close(new UpyflashError('DISCONNECTED', `${this.name} is closed`));
    await this.port.close().catch(() => undefined);
  }

  write(data: Uint8Array): Promise<void> {
    const writable = this.port.writable;
    if (!this.isOpen || !writable) return Promise.reject(new UpyflashError('DISCONNECTED', `${this.name} is not open`));
    // One writer per call, released at once, so close() and a baud change never find the stream locked.
    const writer = writable.getWriter();
    this.lastWrite = writer
      .write(data)
      .catch((err: unknown) => {
        throw asDisconnected(this.name, err);
      })
      .finally(() => writer.releaseLock());
    return this.lastWrite;
  }

  read(timeoutMs: number): Promise<Uint8Array> {
    return this.queue.read(timeoutMs);
  }

  async setSignals(lines: ControlLines): Promise<void> {
    if (!this.isOpen) throw new UpyflashError('DISCONNECTED', `${this.name} is not open`);
    await this.port.setSignals({ dataTerminalReady: lines.dtr, requestToSend: lines.rts }).catch((err: unknown) => {
      throw asDisconnected(this.name, err);
    });
    this.lines = { ...lines };
  }

  /** Web Serial fixes the rate at open: close, reopen at the new rate, and put the lines back. */
  async setBaud(baud: number): Promise<void> {
    if (!this.isOpen) throw new UpyflashError('DISCONNECTED', `${this.name} is not open`);
    await this.drain();
    await this.stopReading();
    await this.port.close().catch(() => undefined);
    this.isOpen = false;
    await this.openAt(baud);
    await this.setSignals(this.lines);
  }

  async flushInput(): Promise<void> {
    this.queue.clear();
  }

  async drain(): Promise<void> {
    await this.lastWrite.catch(() => undefined);
  }

  private async openAt(baud: number): Promise<void> {
    try {
      await this.port.open({ baudRate: baud, bufferSize: BUFFER_SIZE });
    } catch (err) {
      // Chrome reports a port held by another tab or program as a failed open.
      throw new UpyflashError('PORT_BUSY', `${this.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    this.currentBaud = baud;
    this.isOpen = true;
    this.startReading();
  }

  private startReading(): void {
    const readable = this.port.readable;
    if (!readable) return;
    const reader = readable.getReader();
    this.reader = reader;
    this.readLoop = (async () => {
      let failure: unknown;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (value) this.queue.push(value);
        }
      } catch (err) {
        failure = err;
      } finally {
        reader.releaseLock();
      }
      if (this.stopping || !this.isOpen) return;
      // After a non-fatal error (framing, parity, break, overrun) the port offers a fresh stream.
      if (failure !== undefined && this.port.readable) {
        this.startReading();
        return;
      }
      this.queue.close(failure === undefined ? new UpyflashError('DISCONNECTED', `${this.name} went away`) : asDisconnected(this.name, failure));
    })();
  }

  private async stopReading(): Promise<void> {
    this.stopping = true;
    try {
      await this.reader?.cancel().catch(() => undefined);
      await this.readLoop;
    } finally {
      this.reader = undefined;
      this.readLoop = undefined;
      this.stopping = false;
    }
  }
}

export function webSerialTransport(port: WebSerialPort, name: string, opts: { baud: number }): Transport {
  return new WebSerialTransport(port, name, opts.baud);
}
