import { Prng } from '../platform/prng.js';

/**
 * Line faults on the host -> chip direction, for tests of the client's error handling: corrupted
 * bytes, dropped bytes, a cable that goes away, a chip that resets mid-job. Seeded, so a failure can
 * be replayed.
 */

export interface FaultOptions {
  /** Host -> chip bytes corrupted (one bit flipped) at this rate. */
  byteErrorRate?: number;
  /** Host -> chip bytes lost at this rate. */
  dropRate?: number;
  seed?: number;
  /** The endpoint closes after this many host bytes (counted per connection). */
  disconnectAfterBytes?: number;
  /** The chip resets (as if EN glitched) after this many host bytes. */
  resetAfterBytes?: number;
  /**
   * BOOT is let go before that reset (a board put into download mode by hand, then browned out): the
   * chip boots its firmware and the loader is gone, whatever rate the host talks at.
   */
  bootReleasedBeforeReset?: boolean;
}

export class LineFaults {
  private readonly rng: Prng;
  private sent = 0;
  private received = 0;
  private disconnected = false;
  private resetDone = false;

  constructor(private readonly opts: FaultOptions = {}) {
    this.rng = new Prng(opts.seed ?? 1);
  }

  /** A host plugged in: the byte count towards a disconnect starts again (each connection dies after N). */
  newHost(): void {
    this.sent = 0;
    this.disconnected = false;
  }

  /**
   * Bytes the host writes, as they go onto the wire. `cut` says the link dies after these bytes
   * (everything after the limit is gone).
   */
  onHostWrite(data: Uint8Array): { data: Uint8Array; cut: boolean } {
    if (this.disconnected) return { data: new Uint8Array(0), cut: true };
    let out = data;
    let cut = false;
    const limit = this.opts.disconnectAfterBytes;
    if (limit !== undefined && this.sent + data.length >= limit) {
      out = data.subarray(0, Math.max(0, limit - this.sent));
      cut = true;
      this.disconnected = true;
    }
    this.sent += out.length;
    return { data: this.corrupt(out), cut };
  }

  /**
   * Bytes arriving at the chip. Returns how many of them arrive before the chip resets, or undefined
   * when no reset falls inside this chunk.
   */
  get releasesBoot(): boolean {
    return this.opts.bootReleasedBeforeReset === true;
  }

  resetPoint(length: number): number | undefined {
    const limit = this.opts.resetAfterBytes;
    const before = this.received;
    this.received += length;
    if (limit === undefined || this.resetDone || this.received < limit) return undefined;
    this.resetDone = true;
    return Math.max(0, limit - before);
  }

  private corrupt(data: Uint8Array): Uint8Array {
    const errorRate = this.opts.byteErrorRate ?? 0;
    const dropRate = this.opts.dropRate ?? 0;
    if (errorRate <= 0 && dropRate <= 0) return data;
    const out: number[] = [];
    for (const b of data) {
      if (dropRate > 0 && this.rng.next() < dropRate) continue;
      out.push(errorRate > 0 && this.rng.next() < errorRate ? b ^ (1 << this.rng.below(8)) : b);
    }
    return Uint8Array.from(out);
  }
}
