import type { ControlLines } from './transport.js';

/**
 * What a serial server in front of an ESP board does with a client's DTR/RTS (esptool's
 * esp_rfc2217_server, EspPortManager): RFC 2217 carries one line per SET_CONTROL and a client like
 * pyserial spaces them 50 ms or more apart, so a reset sequence replayed line by line reaches the board
 * with the wrong timing (EN rises while GPIO0 is already released and the chip boots its firmware).
 * The server therefore recognises the start of a sequence and plays the whole sequence to the board
 * itself, with the chip's timing:
 * - DTR on (not yet in a download sequence): the classic reset into download mode (EN low, then EN high
 *   with GPIO0 low, then GPIO0 released);
 * - RTS off (not in a download sequence): a hard reset (EN pulsed low, GPIO0 high);
 * - DTR off: ends the download sequence and releases DTR;
 * - every other line change is part of a sequence already played, and is dropped.
 * Unlike esp_rfc2217_server, line changes that arrive while a sequence is being played wait for its
 * end, so that a slow client's DTR off cannot cut the sequence short.
 */

export interface ResetTiming {
  /** How long EN is held low (esptool ClassicReset / HardReset: 0.1 s). */
  readonly enLowMs: number;
  /** How long GPIO0 stays low after EN rises (esptool DEFAULT_RESET_DELAY: 0.05 s). */
  readonly gpio0HoldMs: number;
}

export const ESPTOOL_RESET_TIMING: ResetTiming = { enLowMs: 100, gpio0HoldMs: 50 };

export interface Timers {
  set(ms: number, fn: () => void): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (ms, fn) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface Step {
  readonly lines: ControlLines;
  readonly waitMs: number;
}

export type RecognisedReset = 'download' | 'hard';

export class ResetRecognizer {
  private inDownloadSequence = false;
  private playing: unknown;
  private queue: Step[] = [];
  /** Line changes that arrived while a sequence played, applied (in order) when it ends. */
  private deferred: { line: 'dtr' | 'rts'; on: boolean }[] = [];
  private lines: ControlLines = { dtr: false, rts: false };

  constructor(
    /** Sets both lines on the board at once. */
    private readonly apply: (lines: ControlLines) => void,
    private readonly timing: ResetTiming = ESPTOOL_RESET_TIMING,
    private readonly timers: Timers = REAL_TIMERS,
    /** Told when a sequence starts (for the server's log). */
    private readonly onReset?: (kind: RecognisedReset) => void,
  ) {}

  /** One SET_CONTROL from the client: `line` asked on or off. */
  control(line: 'dtr' | 'rts', on: boolean): void {
    if (this.playing !== undefined) {
      this.deferred.push({ line, on });
      return;
    }
    if (line === 'dtr' && !on) {
      this.inDownloadSequence = false;
      this.set({ ...this.lines, dtr: false });
    } else if (line === 'dtr' && !this.inDownloadSequence) {
      this.inDownloadSequence = true;
      this.play('download', [
        { lines: { dtr: false, rts: true }, waitMs: this.timing.enLowMs },
        { lines: { dtr: true, rts: false }, waitMs: this.timing.gpio0HoldMs },
        { lines: { dtr: false, rts: false }, waitMs: 0 },
      ]);
    } else if (line === 'rts' && !on && !this.inDownloadSequence) {
      this.play('hard', [
        { lines: { dtr: false, rts: true }, waitMs: this.timing.enLowMs },
        { lines: { dtr: false, rts: false }, waitMs: 0 },
      ]);
    }
  }

  /** Stops a sequence being played (the client left). */
  cancel(): void {
    if (this.playing !== undefined) this.timers.clear(this.playing);
    this.playing = undefined;
    this.queue = [];
    this.deferred = [];
  }

  get busy(): boolean {
    return this.playing !== undefined;
  }

  private set(lines: ControlLines): void {
    this.lines = lines;
    this.apply(lines);
  }

  private play(kind: RecognisedReset, steps: Step[]): void {
    this.onReset?.(kind);
    this.queue = steps;
    this.next();
  }

  private next(): void {
    const step = this.queue.shift();
    if (!step) {
      this.playing = undefined;
      const later = this.deferred;
      this.deferred = [];
      for (const d of later) this.control(d.line, d.on);
      return;
    }
    this.set(step.lines);
    this.playing = this.timers.set(step.waitMs, () => this.next());
  }
}
