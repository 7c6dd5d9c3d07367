import type { ControlLines } from '../transport/transport.js';
import type { Clock } from './clock.js';

/**
 * The two-transistor auto-reset circuit of ESP dev boards (esptool's reset.py, PROTOCOL-NOTES
 * "Entering download mode"): RTS asserted alone pulls EN low, DTR asserted alone pulls GPIO0 low,
 * both asserted or both released leave both high. EN has an RC: the chip leaves reset some
 * milliseconds after EN rises and samples GPIO0 only then, which is why esptool keeps DTR asserted
 * for 50 ms (or 550 ms on its retry) after releasing RTS.
 */

export interface ResetCircuitOptions {
  clock: Clock;
  /** Time from EN rising to the chip sampling the strapping pins and starting. */
  rcDelayMs: number;
  /** GPIO0 held low by the board itself (BOOT button held, or a jumper). */
  gpio0StrappedLow: boolean;
  /** false: DTR/RTS are not wired to EN/GPIO0 (boards without the circuit). */
  wired: boolean;
  /** EN went low: the chip stops. */
  onHold(): void;
  /** The chip leaves reset; `gpio0Low` is the strapping value it latched. */
  onStart(gpio0Low: boolean): void;
}

export class AutoResetCircuit {
  private lines: ControlLines = { dtr: false, rts: false };
  private enWasHigh = false;
  private pending: unknown;
  private powered = false;
  private strappedLow: boolean;

  constructor(private readonly opts: ResetCircuitOptions) {
    this.strappedLow = opts.gpio0StrappedLow;
  }

  get enHigh(): boolean {
    if (!this.powered) return false;
    if (!this.opts.wired) return true;
    return !(this.lines.rts && !this.lines.dtr);
  }

  get gpio0Low(): boolean {
    if (this.strappedLow) return true;
    return this.opts.wired && this.lines.dtr && !this.lines.rts;
  }

  get inReset(): boolean {
    return !this.enHigh || this.pending !== undefined;
  }

  setLines(lines: ControlLines): void {
    this.lines = { dtr: lines.dtr, rts: lines.rts };
    this.update();
  }

  powerOn(): void {
    this.powered = true;
    this.enWasHigh = false;
    this.update();
  }

  powerOff(): void {
    this.powered = false;
    this.cancelPending();
    this.enWasHigh = false;
  }

  /** The BOOT button (or jumper) holding GPIO0 low is let go. */
  releaseStrap(): void {
    this.strappedLow = false;
  }

  /** EN glitches low for an instant (brown-out, ESD, a loose wire): the chip restarts. */
  glitch(): void {
    if (!this.powered) return;
    this.cancelPending();
    this.enWasHigh = false;
    this.opts.onHold();
    this.update();
  }

  private update(): void {
    const high = this.enHigh;
    if (high === this.enWasHigh) return;
    this.enWasHigh = high;
    if (!high) {
      this.cancelPending();
      this.opts.onHold();
      return;
    }
    this.pending = this.opts.clock.setTimer(this.opts.rcDelayMs, () => {
      this.pending = undefined;
      this.opts.onStart(this.gpio0Low);
    });
  }

  private cancelPending(): void {
    if (this.pending !== undefined) this.opts.clock.clearTimer(this.pending);
    this.pending = undefined;
  }
}
