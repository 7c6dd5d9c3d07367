import type { Clock } from './clock.js';

/**
 * A clock that only moves when told to: tests and simulations drive the board through modeled time
 * (reset RC, line time, flash busy time) deterministically and without waiting. Timers run in order
 * of due time; a timer scheduled while advancing runs in the same advance if it falls due.
 */
export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; seq: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: { id: number; at: number; seq: number } | undefined;
      for (const [id, t] of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = { id, at: t.at, seq: t.seq };
      }
      if (!next) break;
      const timer = this.timers.get(next.id)!;
      this.timers.delete(next.id);
      this.time = Math.max(this.time, timer.at);
      timer.fn();
    }
    this.time = target;
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.size;
  }
}
