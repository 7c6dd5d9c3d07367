import type { Clock } from './clock.js';
import { concatBytes } from '../platform/bytes.js';
import { Prng } from '../platform/prng.js';

/**
 * One direction of a UART link. Each byte takes 10 bit times (start, 8 data, stop) at the sender's
 * baud and queues behind the bytes sent before it, which is what makes a transfer at 115200 take as
 * long as it does on a real board. A receiver listening at another rate sees garbage instead of the
 * bytes, so a baud mismatch shows up the way it does on hardware.
 */

/** UARTs tolerate a few percent of rate error; beyond that the receiver samples the wrong bits. */
const BAUD_TOLERANCE = 0.03;
/** Deliver in portions of about this much line time, so long transfers arrive progressively. */
const SLICE_MS = 10;

export function baudsMatch(a: number, b: number): boolean {
  return Math.abs(a - b) / Math.max(a, b) <= BAUD_TOLERANCE;
}

interface Slice {
  start: number;
  end: number;
  data: Uint8Array;
}

export interface WireOptions {
  clock: Clock;
  /** false: deliver as soon as possible (still asynchronously), ignoring line time. */
  timed: boolean;
  deliver(data: Uint8Array): void;
  /** Seed for the garbage a mismatched receiver sees. */
  noiseSeed?: number;
}

export class Wire {
  private slices: Slice[] = [];
  private busyUntil = 0;
  private timer: unknown;
  private timerAt = Infinity;
  private immediate: Uint8Array[] = [];
  private immediateQueued = false;
  private readonly noise: Prng;
  /** Fraction of a garbage byte carried between chunks, so mismatched rates scale the count right. */
  private garbageCarry = 0;
  private closed = false;
  /** Bytes put on the line (after garbling) and bytes handed to the receiver. */
  bytesSent = 0;
  bytesDelivered = 0;

  constructor(private readonly opts: WireOptions) {
    this.noise = new Prng(opts.noiseSeed ?? 0x5eed);
  }

  send(data: Uint8Array, txBaud: number, rxBaud: number): void {
    if (this.closed || data.length === 0) return;
    const onLine = baudsMatch(txBaud, rxBaud) ? data : this.garble(data, txBaud, rxBaud);
    if (onLine.length === 0) return;
    this.bytesSent += onLine.length;
    if (!this.opts.timed) {
      this.immediate.push(onLine);
      if (!this.immediateQueued) {
        this.immediateQueued = true;
        queueMicrotask(() => this.flushImmediate());
      }
      return;
    }
    // Line time is the sender's: the receiver at another rate still waits as long for it.
    const msPerByte = 10_000 / txBaud;
    const sliceBytes = Math.max(16, Math.ceil(SLICE_MS / msPerByte));
    let start = Math.max(this.opts.clock.now(), this.busyUntil);
    for (let at = 0; at < onLine.length; at += sliceBytes) {
      const part = onLine.subarray(at, Math.min(onLine.length, at + sliceBytes));
      const end = start + part.length * msPerByte;
      this.slices.push({ start, end, data: part });
      start = end;
    }
    this.busyUntil = start;
    this.arm();
  }

  /**
   * The sender stopped (chip reset): bytes it had not started to shift out never leave. Bytes already
   * on the line still arrive.
   */
  abortUnsent(): void {
    const now = this.opts.clock.now();
    this.slices = this.slices.filter((s) => s.start < now);
    this.busyUntil = this.slices.length ? this.slices[this.slices.length - 1]!.end : now;
  }

  /** Time at which the line falls idle (now, if it is idle). */
  idleAt(): number {
    return Math.max(this.opts.clock.now(), this.busyUntil);
  }

  close(): void {
    this.closed = true;
    this.slices = [];
    this.immediate = [];
    if (this.timer !== undefined) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private garble(data: Uint8Array, txBaud: number, rxBaud: number): Uint8Array {
    // A slower receiver sees fewer (wider) characters, a faster one more; none of them are the data.
    this.garbageCarry += (data.length * rxBaud) / txBaud;
    const count = Math.floor(this.garbageCarry);
    this.garbageCarry -= count;
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.noise.byte();
    return out;
  }

  private flushImmediate(): void {
    this.immediateQueued = false;
    if (this.closed || this.immediate.length === 0) return;
    const chunk = concatBytes(this.immediate);
    this.immediate = [];
    this.bytesDelivered += chunk.length;
    this.opts.deliver(chunk);
  }

  private arm(): void {
    const next = this.slices[0];
    if (!next) return;
    if (this.timer !== undefined && this.timerAt <= next.end) return;
    if (this.timer !== undefined) this.opts.clock.clearTimer(this.timer);
    this.timerAt = next.end;
    this.timer = this.opts.clock.setTimer(next.end - this.opts.clock.now(), () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed) return;
    // Everything whose last bit has arrived goes out in one delivery: timers fire late under load, and
    // one call per 10 ms slice would cost more than the bytes are worth.
    const now = this.opts.clock.now() + 0.5;
    let n = 0;
    while (n < this.slices.length && this.slices[n]!.end <= now) n++;
    const due = this.slices.splice(0, n);
    this.arm();
    if (due.length) {
      const chunk = concatBytes(due.map((s) => s.data));
      this.bytesDelivered += chunk.length;
      this.opts.deliver(chunk);
    }
  }
}
