import cliProgress from 'cli-progress';
import type { ProgressEvent, ProgressSink } from '../progress.js';

/**
 * Renders progress events on stderr: a bar on a TTY, plain lines elsewhere (CI logs, pipes), JSON lines
 * with --json. stdout stays free for results.
 */
export function createProgressRenderer(opts: {
  json: boolean;
  verbose: boolean;
  tty: boolean;
  stream?: NodeJS.WriteStream;
}): ProgressSink & { stop(): void } {
  const out = opts.stream ?? process.stderr;
  if (opts.json) {
    return {
      emit(e: ProgressEvent) {
        if (e.type === 'log' && e.level === 'debug' && !opts.verbose) return;
        out.write(JSON.stringify({ event: e }) + '\n');
      },
      stop() {},
    };
  }
  if (opts.tty) return new TtyRenderer(out, opts.verbose);
  return new PlainRenderer(out, opts.verbose);
}

class PlainRenderer implements ProgressSink {
  private lastPercent = new Map<string, number>();
  constructor(private readonly out: NodeJS.WritableStream, private readonly verbose: boolean) {}
  emit(e: ProgressEvent): void {
    if (e.type === 'phase') this.out.write(`${e.message}\n`);
    else if (e.type === 'log') {
      if (e.level === 'debug' && !this.verbose) return;
      this.out.write(e.level === 'warn' ? `warning: ${e.message}\n` : `${e.message}\n`);
    } else {
      // Every 10 %: enough to see it move in a CI log without flooding it.
      const pct = e.total > 0 ? Math.floor((e.done / e.total) * 10) * 10 : 100;
      if (this.lastPercent.get(e.phase) === pct) return;
      this.lastPercent.set(e.phase, pct);
      const unit = e.unit === 'files' ? 'files' : 'bytes';
      this.out.write(`${e.phase} ${pct}% (${e.done}/${e.total} ${unit})\n`);
    }
  }
  stop(): void {}
}

class TtyRenderer implements ProgressSink {
  private bar: cliProgress.SingleBar | undefined;
  private barPhase: string | undefined;
  constructor(private readonly out: NodeJS.WriteStream, private readonly verbose: boolean) {}
  emit(e: ProgressEvent): void {
    if (e.type === 'progress') {
      if (!this.bar || this.barPhase !== e.phase) {
        this.stop();
        this.bar = new cliProgress.SingleBar(
          {
            stream: this.out,
            format: `${e.phase.padEnd(7)} [{bar}] {percentage}% | {value}/{total} ${e.unit === 'files' ? 'files' : 'bytes'} | {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(e.total, e.done);
        this.barPhase = e.phase;
      }
      this.bar.setTotal(e.total);
      this.bar.update(e.done);
      if (e.done >= e.total) this.stop();
      return;
    }
    if (e.type === 'log' && e.level === 'debug' && !this.verbose) return;
    this.stop();
    const text = e.type === 'phase' ? e.message : e.level === 'warn' ? `warning: ${e.message}` : e.message;
    this.out.write(text + '\n');
  }
  stop(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
      this.barPhase = undefined;
    }
  }
}
