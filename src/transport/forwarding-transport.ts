import type { ControlLines, Transport, TransportCapabilities } from './transport.js';

/**
 * A transport that hands every call to `inner`. Wrappers that add one concern (counting bytes,
 * following a re-plugged board) extend it and override only the calls they change.
 */
export abstract class ForwardingTransport implements Transport {
  protected constructor(protected inner: Transport) {}

  get name(): string {
    return this.inner.name;
  }

  get capabilities(): TransportCapabilities {
    return this.inner.capabilities;
  }

  get baud(): number {
    return this.inner.baud;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  write(data: Uint8Array): Promise<void> {
    return this.inner.write(data);
  }

  read(timeoutMs: number): Promise<Uint8Array> {
    return this.inner.read(timeoutMs);
  }

  setSignals(lines: ControlLines): Promise<void> {
    return this.inner.setSignals(lines);
  }

  setBaud(baud: number): Promise<void> {
    return this.inner.setBaud(baud);
  }

  flushInput(): Promise<void> {
    return this.inner.flushInput();
  }

  drain(): Promise<void> {
    return this.inner.drain();
  }
}
