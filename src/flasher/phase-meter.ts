import { type Phase, type ProgressEvent, Reporter } from '../progress.js';
import { type WireCount, zeroCount } from './metered-transport.js';

/** Where one phase of a job spent its time, and what it put on the wire. */
export interface PhaseStat extends WireCount {
  readonly phase: Phase;
  /** Wall time spent in the phase (all visits summed). */
  seconds: number;
}

/**
 * Splits a job's wall time and wire traffic by phase. A phase starts with its `phase` event or with the
 * first progress event of another phase (the per-region MD5 checks report 'verify' progress between
 * 'write' blocks, and their cost belongs to verify, not write). Visits to the same phase add up.
 */
export class PhaseMeter {
  private readonly stats = new Map<Phase, PhaseStat>();
  private current: Phase | undefined;
  private since = 0;
  private mark: WireCount = zeroCount();

  constructor(
    private readonly count: Readonly<WireCount>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A Reporter that feeds this meter and then forwards every event to `to`. */
  tee(to: Reporter): Reporter {
    return new Reporter({
      emit: (e) => {
        this.observe(e);
        forward(to, e);
      },
    });
  }

  observe(e: ProgressEvent): void {
    if (e.type === 'log' || e.phase === this.current) return;
    this.enter(e.phase);
  }

  enter(phase: Phase): void {
    this.settle();
    this.current = phase;
  }

  /** Per-phase totals so far, in the order the phases were first entered. */
  snapshot(): PhaseStat[] {
    this.settle();
    return [...this.stats.values()].map((s) => ({ ...s }));
  }

  private settle(): void {
    const t = this.now();
    const c = this.count;
    if (this.current !== undefined) {
      let s = this.stats.get(this.current);
      if (!s) {
        s = { phase: this.current, seconds: 0, ...zeroCount() };
        this.stats.set(this.current, s);
      }
      s.seconds += (t - this.since) / 1000;
      s.bytesOut += c.bytesOut - this.mark.bytesOut;
      s.bytesIn += c.bytesIn - this.mark.bytesIn;
      s.outSeconds += c.outSeconds - this.mark.outSeconds;
      s.inSeconds += c.inSeconds - this.mark.inSeconds;
    }
    this.since = t;
    this.mark = { ...c };
  }
}

function forward(to: Reporter, e: ProgressEvent): void {
  switch (e.type) {
    case 'phase':
      return to.phase(e.phase, e.message);
    case 'progress':
      return to.progress(e.phase, e.done, e.total, e.unit);
    case 'log':
      if (e.level === 'info') to.info(e.message);
      else if (e.level === 'warn') to.warn(e.message);
      else to.debug(e.message);
  }
}
