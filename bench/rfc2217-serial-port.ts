/**
 * A Web Serial-like port object over our Rfc2217Transport, so that esptool-js (written for
 * navigator.serial) drives a virtual board in another process across the same modeled wire as the
 * upyflash CLI does. Only what esptool-js 0.7.0 touches is provided: open/close, readable/writable,
 * setSignals (Web Serial semantics: a missing line keeps its state), getInfo, and the optional
 * setBaudRate, which esptool-js prefers to a close-and-reopen when changing the host rate.
 */
import { UpyflashError, isUpyflashError } from '../src/errors.js';
import type { TcpAddress } from '../src/transport/node/tcp-link.js';
import { Rfc2217Transport } from '../src/transport/node/rfc2217.js';

export interface WebSerialSignals {
  dataTerminalReady?: boolean;
  requestToSend?: boolean;
  break?: boolean;
}

/** How long one transport read waits before the pump asks again; it only bounds shutdown latency. */
const READ_SLICE_MS = 200;

export class Rfc2217SerialPort {
  private transport: Rfc2217Transport | undefined;
  private lines = { dtr: false, rts: false };
  private stopped = false;
  /** Data bytes handed to the link host->chip (before telnet IAC doubling), over every open. */
  bytesOut = 0;
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;

  constructor(private readonly address: TcpAddress) {}

  async open(options: { baudRate?: number }): Promise<void> {
    const t = new Rfc2217Transport(`rfc2217://${this.address.host}:${this.address.port}`, this.address, options.baudRate ?? 115200);
    await t.open();
    this.transport = t;
    this.stopped = false;
    // Rfc2217Transport.open leaves both lines released.
    this.lines = { dtr: false, rts: false };
    this.readable = new ReadableStream<Uint8Array>({
      // Keep reading until bytes arrive: a pull that resolves without enqueueing is not called again.
      pull: async (controller) => {
        while (!this.stopped) {
          let bytes: Uint8Array;
          try {
            bytes = await t.read(READ_SLICE_MS);
          } catch (e) {
            if (isUpyflashError(e, 'DISCONNECTED')) controller.close();
            else controller.error(e);
            return;
          }
          if (bytes.length > 0) {
            controller.enqueue(bytes);
            return;
          }
        }
        controller.close();
      },
      cancel: () => {
        this.stopped = true;
      },
    });
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => {
        this.bytesOut += chunk.length;
        return t.write(chunk);
      },
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    const t = this.transport;
    this.transport = undefined;
    this.readable = null;
    this.writable = null;
    await t?.close();
  }

  async setSignals(signals: WebSerialSignals): Promise<void> {
    this.lines = {
      dtr: signals.dataTerminalReady ?? this.lines.dtr,
      rts: signals.requestToSend ?? this.lines.rts,
    };
    await this.current().setSignals(this.lines);
  }

  async setBaudRate(baud: number): Promise<void> {
    await this.current().setBaud(baud);
  }

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return {};
  }

  private current(): Rfc2217Transport {
    if (!this.transport) throw new UpyflashError('DISCONNECTED', `rfc2217://${this.address.host}:${this.address.port} is not open`);
    return this.transport;
  }
}
