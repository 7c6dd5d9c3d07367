/**
 * Progress of many boards at once on stderr: one live row per board on a terminal (port, chip, MAC,
 * phase, bar, rate), plain lines prefixed with the port elsewhere, JSON lines with --json. stdout
 * stays free for the summary table or the result document.
 */
import cliProgress from 'cli-progress';
import type { BoardResult, TargetEvent, TargetSink } from '../flasher/flash-many.js';
import { exitCodeFor } from './exit-codes.js';

export interface ManyRenderer extends TargetSink {
  /** A line about the run as a whole (the station's count), kept above the rows. */
  note(line: string): void;
  stop(): void;
}

export function createManyRenderer(opts: { json: boolean; tty: boolean; verbose: boolean; stream?: NodeJS.WriteStream }): ManyRenderer {
  const out = opts.stream ?? process.stderr;
  if (opts.json) return new JsonLines(out, opts.verbose);
  return opts.tty ? new LiveRows(out) : new PlainLines(out, opts.verbose);
}

/** A board's result as the JSON document and event lines show it (no per-phase internals). */
export function boardJson(r: BoardResult): Record<string, unknown> {
  return {
    port: r.port,
    ok: r.ok,
    chip: r.chip ?? null,
    mac: r.mac ?? null,
    firmware: r.firmware ?? null,
    md5: r.md5 ?? null,
    seconds: Math.round(r.seconds * 100) / 100,
    ...(r.ok ? { unchanged: Boolean(r.unchanged), verified: r.job?.flash.verified ?? false, writtenBytes: r.job?.flash.writtenBytes ?? 0 } : {}),
    ...(r.error ? { error: { code: r.error.code, kind: r.error.kind, message: r.error.message, hint: r.error.hint }, exitCode: exitCodeFor(r.error) } : {}),
  };
}

/** "written", "unchanged" or the error code: the one word a row, the summary and the CSV log agree on. */
export function outcome(r: BoardResult): string {
  if (!r.ok) return r.error?.code ?? 'failed';
  return r.unchanged ? 'unchanged' : 'written';
}

class JsonLines implements ManyRenderer {
  constructor(private readonly out: NodeJS.WritableStream, private readonly verbose: boolean) {}
  emit(e: TargetEvent): void {
    const { target, ...event } = e;
    if (event.type === 'log' && event.level === 'debug' && !this.verbose) return;
    const body = event.type === 'done' ? { type: 'done', result: boardJson(event.result) } : event;
    this.out.write(JSON.stringify({ target, event: body }) + '\n');
  }
  note(line: string): void {
    this.out.write(JSON.stringify({ event: { type: 'log', level: 'info', message: line } }) + '\n');
  }
  stop(): void {}
}

class PlainLines implements ManyRenderer {
  private readonly lastPercent = new Map<string, number>();
  constructor(private readonly out: NodeJS.WritableStream, private readonly verbose: boolean) {}
  emit(e: TargetEvent): void {
    const line = this.lineFor(e);
    if (line !== undefined) this.out.write(`${e.target}: ${line}\n`);
  }
  private lineFor(e: TargetEvent): string | undefined {
    switch (e.type) {
      case 'start':
        return 'started';
      case 'identified':
        return `${e.chip}${e.mac ? ` MAC ${e.mac}` : ''}`;
      case 'phase':
        return e.message;
      case 'log':
        return e.level === 'debug' && !this.verbose ? undefined : e.level === 'warn' ? `warning: ${e.message}` : e.message;
      case 'progress': {
        // Every 25 %: many boards in one CI log would drown it at 10 %.
        const pct = e.total > 0 ? Math.floor((e.done / e.total) * 4) * 25 : 100;
        const key = `${e.target}/${e.phase}`;
        if (this.lastPercent.get(key) === pct) return undefined;
        this.lastPercent.set(key, pct);
        return `${e.phase} ${pct}%`;
      }
      case 'done':
        return e.result.ok ? `OK ${outcome(e.result)} in ${e.result.seconds.toFixed(1)} s (MD5 ${e.result.md5})` : `FAILED ${e.result.error?.code}: ${e.result.error?.message}`;
    }
  }
  note(line: string): void {
    this.out.write(line + '\n');
  }
  stop(): void {}
}

interface Row {
  bar: cliProgress.SingleBar;
  chip: string;
  mac: string;
  phase: string;
  rate: string;
  /** When the current progress phase began, for the rate. */
  since: number;
  sincePhase: string;
}

const PORT_WIDTH = 28;

class LiveRows implements ManyRenderer {
  private readonly multi: cliProgress.MultiBar;
  private readonly rows = new Map<string, Row>();

  constructor(out: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream: out,
        format: '{port} {chip} {mac} {phase} [{bar}] {percentage}% {rate}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        barsize: 24,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  emit(e: TargetEvent): void {
    const row = this.rows.get(e.target) ?? this.add(e.target);
    switch (e.type) {
      case 'identified':
        row.chip = e.chip;
        row.mac = e.mac ?? '';
        break;
      case 'phase':
        row.phase = e.phase;
        break;
      case 'log':
        if (e.level === 'warn') this.multi.log(`${e.target}: warning: ${e.message}\n`);
        return;
      case 'progress':
        this.progress(row, e.phase, e.done, e.total);
        return;
      case 'done':
        row.phase = e.result.ok ? (e.result.unchanged ? 'unchanged' : 'done') : `FAIL ${e.result.error?.code ?? ''}`;
        row.rate = e.result.ok ? `${e.result.seconds.toFixed(1)} s` : (e.result.error?.message ?? '').slice(0, 40);
        if (e.result.ok) row.bar.setTotal(Math.max(1, row.bar.getTotal()));
        if (e.result.ok) row.bar.update(row.bar.getTotal());
        break;
      default:
        break;
    }
    row.bar.update(this.payload(e.target, row));
  }

  private progress(row: Row, phase: string, done: number, total: number): void {
    if (row.sincePhase !== phase) {
      row.since = Date.now();
      row.sincePhase = phase;
    }
    row.phase = phase;
    const seconds = (Date.now() - row.since) / 1000;
    row.rate = seconds > 0.2 && phase === 'write' ? `${Math.round(done / seconds / 1024)} KiB/s` : '';
    row.bar.setTotal(Math.max(1, total));
    row.bar.update(done, this.payloadOf(row));
  }

  private add(port: string): Row {
    const row = { chip: '', mac: '', phase: 'connect', rate: '', since: Date.now(), sincePhase: '' } as Omit<Row, 'bar'> as Row;
    row.bar = this.multi.create(1, 0, {});
    this.rows.set(port, row);
    row.bar.update(0, this.payload(port, row));
    return row;
  }

  private payload(port: string, row: Row): Record<string, string> {
    return { ...this.payloadOf(row), port: port.length > PORT_WIDTH ? `…${port.slice(-(PORT_WIDTH - 1))}` : port.padEnd(PORT_WIDTH) };
  }

  private payloadOf(row: Row): Record<string, string> {
    return { chip: row.chip.padEnd(8), mac: row.mac.padEnd(17), phase: row.phase.padEnd(9), rate: row.rate };
  }

  note(line: string): void {
    this.multi.log(line + '\n');
  }

  stop(): void {
    this.multi.stop();
  }
}
