/**
 * Wraps any BoardEndpoint (the in-process virtual board, the web page's demo board) as a Transport.
 * Browser-safe: it knows the endpoint interface only, never the board that implements it.
 */
import { UpyflashError } from '../errors.js';
import type { BoardEndpoint } from './endpoint.js';
import { ByteQueue } from './byte-queue.js';
import type { ControlLines, Transport, TransportCapabilities } from './transport.js';

export interface EndpointTransportOptions {
  baud?: number;
  /** Called after close(), e.g. to power the board off when the transport owns it. */
  onClose?: () => void;
}

class EndpointTransport implements Transport {
  readonly capabilities: TransportCapabilities = { controlLines: true, baudRate: true };
  private readonly queue = new ByteQueue();
  private isOpen = false;
  private listening = false;
  /** Closing unplugs the host from the endpoint for good; reopening needs a new endpoint. */
  private closed = false;
  private currentBaud: number;

  constructor(
    private readonly endpoint: BoardEndpoint,
    readonly name: string,
    private readonly options: EndpointTransportOptions,
  ) {
    this.currentBaud = options.baud ?? 115200;
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    if (this.closed) throw new UpyflashError('DISCONNECTED', `${this.name} was closed and cannot be reopened`);
    this.queue.reset();
    if (!this.listening) {
      // An endpoint takes listeners but cannot drop them: register once and gate on isOpen.
      this.endpoint.onData((data) => {
        if (this.isOpen) this.queue.push(data.slice());
      });
      // The board side may end the link (another host took over, a fault cut the cable).
      this.endpoint.onClose?.(() => {
        if (!this.isOpen) return;
        this.isOpen = false;
        this.closed = true;
        this.queue.close(new UpyflashError('DISCONNECTED', `${this.name}: the board ended the connection`));
        this.options.onClose?.();
      });
      this.listening = true;
    }
    this.isOpen = true;
    // As a well-behaved serial open: both lines released, the board's baud matches ours.
    this.endpoint.setSignals({ dtr: false, rts: false });
    this.endpoint.setBaud(this.currentBaud);
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closed = true;
    this.queue.close(new UpyflashError('DISCONNECTED', `${this.name} is closed`));
    this.endpoint.close();
    this.options.onClose?.();
  }

  async write(data: Uint8Array): Promise<void> {
    this.assertOpen();
    // Copy: the board may keep the bytes after the caller reuses its buffer.
    this.endpoint.write(data.slice());
  }

  read(timeoutMs: number): Promise<Uint8Array> {
    return this.queue.read(timeoutMs);
  }

  async setSignals(lines: ControlLines): Promise<void> {
    this.assertOpen();
    this.endpoint.setSignals({ dtr: lines.dtr, rts: lines.rts });
  }

  async setBaud(baud: number): Promise<void> {
    this.assertOpen();
    this.endpoint.setBaud(baud);
    this.currentBaud = baud;
  }

  async flushInput(): Promise<void> {
    this.queue.clear();
  }

  async drain(): Promise<void> {}

  private assertOpen(): void {
    if (!this.isOpen) throw new UpyflashError('DISCONNECTED', `${this.name} is not open`);
  }
}

export function endpointTransport(endpoint: BoardEndpoint, name: string, options: EndpointTransportOptions = {}): Transport {
  return new EndpointTransport(endpoint, name, options);
}
