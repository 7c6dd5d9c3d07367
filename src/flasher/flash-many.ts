/**
 * A classroom at once: the flash job on many boards in parallel. A flash is mostly waiting on one
 * serial line, so N boards on N lines take about as long as one. Every board has its own transport and
 * session; they share one firmware (resolved, validated and patched once per kind of board) and one
 * compressed copy of each region. One board failing never stops or slows the others: its error is its
 * result. Browser-safe: ports are opened through the injected `open`.
 */
import { UpyflashError, asUpyflashError } from '../errors.js';
import type { ProgressEvent, ProgressSink } from '../progress.js';
import { Reporter } from '../progress.js';
import type { Transport } from '../transport/transport.js';
import { readChipIdentity } from './chip-identity.js';
import { type FirmwareResolverContext, type FlashJobInput, type FlashJobResult, runFlashJob } from './flash-job.js';
import { type FlasherSession, type SessionOptions, connect } from './session.js';
import { SharedFirmware } from './shared-firmware.js';

/** A port to open (through FlashManyOptions.open), or a transport already open, named by its port. */
export type ManyTarget = string | { readonly port: string; readonly transport: Transport };

/** What happened on one board, in the order it happened; `target` is its port, for a row per board. */
export type TargetEvent = { readonly target: string } & (
  | ProgressEvent
  | { readonly type: 'start' }
  | { readonly type: 'identified'; readonly chip: string; readonly mac?: string }
  | { readonly type: 'done'; readonly result: BoardResult }
);

export interface TargetSink {
  emit(event: TargetEvent): void;
}

export interface BoardResult {
  readonly port: string;
  readonly ok: boolean;
  readonly chip?: string;
  readonly mac?: string;
  /** The firmware's file name. */
  readonly firmware?: string;
  readonly md5?: string;
  /** Nothing was written: the board already held the image. */
  readonly unchanged?: boolean;
  readonly seconds: number;
  readonly job?: FlashJobResult;
  readonly error?: UpyflashError;
}

export interface FlashManyOptions {
  /** The one job every board runs; its firmware is resolved and prepared once, not per board. */
  readonly job: FlashJobInput;
  readonly session: SessionOptions;
  /** Opens a port given by name (Node: transport/node/open.ts; the page: a Web Serial port). */
  readonly open?: (port: string) => Promise<Transport>;
  /** Per-board additions to the job, e.g. a boot check that reopens this board's port. */
  readonly jobFor?: (port: string) => Partial<FlashJobInput>;
  /**
   * Asks a board opened by port name which MicroPython it runs, before it is reset into the loader
   * (a catalog choice then keeps each board on its own board id). Each board is asked on its own.
   */
  readonly askRunning?: (port: string) => Promise<FirmwareResolverContext['running']>;
  /** How many boards run at once (default: all). */
  readonly jobs?: number;
  readonly sink?: TargetSink;
  /** Aborting stops boards that have not started and closes the links of those running. */
  readonly signal?: AbortSignal;
}

/** Flashes every target; resolves with one result per target, in the targets' order, never rejects for a board. */
export async function flashMany(targets: readonly ManyTarget[], options: FlashManyOptions): Promise<BoardResult[]> {
  const many = new ManyFlasher(options);
  return Promise.all(targets.map((t) => many.add(t)));
}

/** The engine behind flashMany, open to boards that arrive later (the CLI's --watch station). */
export class ManyFlasher {
  readonly firmware: SharedFirmware;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly live = new Set<Transport>();

  constructor(private readonly options: FlashManyOptions) {
    this.firmware = new SharedFirmware(options.job.firmware, options.job);
    options.signal?.addEventListener('abort', () => this.abort(), { once: true });
  }

  /** Flashes one more board as soon as a slot is free. */
  async add(target: ManyTarget): Promise<BoardResult> {
    const port = typeof target === 'string' ? target : target.port;
    await this.slot();
    const started = Date.now();
    const emit = (e: TargetEvent) => this.options.sink?.emit(e);
    try {
      if (this.options.signal?.aborted) throw new UpyflashError('CANCELLED', `${port} was not flashed: the run was stopped first`);
      emit({ target: port, type: 'start' });
      const result = await this.flashOne(target, port, emit, started);
      emit({ target: port, type: 'done', result });
      return result;
    } catch (e) {
      const result: BoardResult = { port, ok: false, seconds: (Date.now() - started) / 1000, error: this.failure(e, port) };
      emit({ target: port, type: 'done', result });
      return result;
    } finally {
      this.release();
    }
  }

  private async flashOne(target: ManyTarget, port: string, emit: (e: TargetEvent) => void, started: number): Promise<BoardResult> {
    const reporter = new Reporter(targetSink(port, emit));
    const catalog = 'resolve' in this.options.job.firmware;
    const running = catalog && typeof target === 'string' ? await this.options.askRunning?.(port) : undefined;
    const transport = typeof target === 'string' ? await this.openPort(port) : target.transport;
    this.live.add(transport);
    let session: FlasherSession | undefined;
    let seen: { chip?: string; mac?: string } = {};
    if (this.options.signal?.aborted) await transport.close().catch(() => undefined);
    try {
      // Every board gets the same PreparedFirmware, whose CompressedRegions compresses each region once.
      session = await connect(transport, this.options.session, reporter);
      seen = await identify(session);
      emit({ target: port, type: 'identified', chip: seen.chip!, ...(seen.mac ? { mac: seen.mac } : {}) });
      const described = await session.describeTarget();
      // A catalog choice follows each board's own facts: its eFuses and the MicroPython it ran.
      const identity = catalog ? await readChipIdentity(session.link, described.chip, { secureDownload: described.secureDownload }) : undefined;
      const prepared = await this.firmware.forTarget(described, reporter, { ...(identity ? { identity } : {}), ...(running ? { running } : {}) });
      const job = await runFlashJob(session, { ...this.options.job, ...this.options.jobFor?.(port), firmware: { prepared } }, reporter);
      await session.close('no-reset');
      return {
        port,
        ok: true,
        ...seen,
        firmware: job.prepared.firmware.fileName,
        md5: job.flash.md5,
        unchanged: job.flash.writtenBytes === 0,
        seconds: (Date.now() - started) / 1000,
        job,
      };
    } catch (e) {
      // Leave the chip in the loader (no reset), so this one board can be retried at once.
      if (session) await session.close('no-reset').catch(() => undefined);
      else await transport.close().catch(() => undefined);
      return { port, ok: false, ...seen, seconds: (Date.now() - started) / 1000, error: this.failure(e, port) };
    } finally {
      this.live.delete(transport);
    }
  }

  private async openPort(port: string): Promise<Transport> {
    if (!this.options.open) throw new UpyflashError('INTERNAL', `flashMany got the port name ${port} but no way to open it (options.open)`);
    return this.options.open(port);
  }

  private failure(e: unknown, port: string): UpyflashError {
    if (this.options.signal?.aborted && !(e instanceof UpyflashError && e.kind === 'CANCELLED')) {
      return new UpyflashError('CANCELLED', `${port}: stopped before it was done (${(e as Error).message})`, { cause: e });
    }
    return asUpyflashError(e);
  }

  private async slot(): Promise<void> {
    const cap = this.options.jobs ?? Infinity;
    if (this.running < cap) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot straight to the next board waiting, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private abort(): void {
    for (const t of this.live) void t.close().catch(() => undefined);
    for (const next of this.waiting.splice(0)) {
      this.running++;
      next();
    }
  }
}

/** What a board's row shows besides progress: chip and MAC (read once; a few register reads). */
async function identify(session: FlasherSession): Promise<{ chip: string; mac?: string }> {
  try {
    const d = await session.detect();
    return { chip: d.chip, ...(d.mac ? { mac: d.mac } : {}) };
  } catch {
    return { chip: session.chip.name };
  }
}

/** Each board's own reporter: the same events, stamped with the board's port. */
export function targetSink(target: string, emit: (e: TargetEvent) => void): ProgressSink {
  return { emit: (e) => emit({ ...e, target }) };
}
