import { ForwardingTransport } from '../transport/forwarding-transport.js';
import type { Transport } from '../transport/transport.js';

/** Bytes and line time per direction, as counted by a MeteredTransport. */
export interface WireCount {
  bytesOut: number;
  bytesIn: number;
  /** Host->chip line time: each byte at 10 bits (8N1) at the rate it crossed the wire at. */
  outSeconds: number;
  /** Chip->host line time, likewise. */
  inSeconds: number;
}

export function zeroCount(): WireCount {
  return { bytesOut: 0, bytesIn: 0, outSeconds: 0, inSeconds: 0 };
}

const BITS_PER_BYTE = 10;

/**
 * Counts every byte the job hands to the link and every byte it reads back, each charged at the baud the
 * transport was set to at that moment. That is what "bytes on the wire" and "wire-limit time" mean in
 * the bench, so the counting sits below everything the flasher does (sync, stub upload at 115200, baud
 * change, compare, write, verify) instead of being summed by hand per phase.
 */
export class MeteredTransport extends ForwardingTransport {
  readonly count: WireCount = zeroCount();

  constructor(inner: Transport) {
    super(inner);
  }

  override async write(data: Uint8Array): Promise<void> {
    this.count.bytesOut += data.length;
    this.count.outSeconds += (data.length * BITS_PER_BYTE) / this.inner.baud;
    await this.inner.write(data);
  }

  override async read(timeoutMs: number): Promise<Uint8Array> {
    const data = await this.inner.read(timeoutMs);
    this.count.bytesIn += data.length;
    this.count.inSeconds += (data.length * BITS_PER_BYTE) / this.inner.baud;
    return data;
  }
}
