import type { LoaderHost } from './loader.js';

/**
 * A LoaderHost on a virtual clock: scheduled work runs only when the owner advances time, so tests and
 * simulations see the modeled flash time without waiting for it. Records everything the loader does.
 */
export class VirtualTimeHost implements LoaderHost {
  readonly sent: Uint8Array[] = [];
  readonly bauds: number[] = [];
  /** How often the loader left download mode. */
  userCodeRuns = 0;
  private time = 0;
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  /** Called for each packet as it is sent, at its modeled time. */
  onSend: ((packet: Uint8Array, at: number) => void) | undefined;

  send(packet: Uint8Array): void {
    this.sent.push(packet);
    this.onSend?.(packet, this.time);
  }

  changeBaud(baud: number): void {
    this.bauds.push(baud);
  }

  runUserCode(): void {
    this.userCodeRuns++;
  }

  now(): number {
    return this.time;
  }

  schedule(ms: number, fn: () => void): void {
    this.timers.push({ at: this.time + Math.max(0, ms), seq: this.seq++, fn });
  }

  /** Runs everything due up to `time + ms`, in time order, and moves the clock there. */
  advance(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /** Runs every scheduled callback (and those they schedule), however far ahead. */
  runAll(): void {
    this.runUntil(Number.POSITIVE_INFINITY);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Takes the packets sent so far. */
  take(): Uint8Array[] {
    return this.sent.splice(0, this.sent.length);
  }

  private runUntil(end: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    if (Number.isFinite(end)) this.time = Math.max(this.time, end);
  }
}
