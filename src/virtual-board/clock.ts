/**
 * The board's notion of time. Browser and Node both have setTimeout and performance.now; keeping them
 * behind this interface lets every timed part of the board (wires, reset RC, boot loops) share one
 * source and lets the board cancel everything it scheduled when it resets or closes.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer: (ms, fn) => setTimeout(fn, Math.max(0, ms)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Timers that belong to one boot of the chip: a reset cancels them all at once, so a stale loader or
 * boot loop can never act after the chip has restarted.
 */
export class TimerGroup {
  private readonly handles = new Set<unknown>();

  constructor(private readonly clock: Clock) {}

  schedule(ms: number, fn: () => void): void {
    const handle = this.clock.setTimer(ms, () => {
      this.handles.delete(handle);
      fn();
    });
    this.handles.add(handle);
  }

  cancelAll(): void {
    for (const h of this.handles) this.clock.clearTimer(h);
    this.handles.clear();
  }
}
