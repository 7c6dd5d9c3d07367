import type { Transport } from '../../transport/transport.js';
import { UpyflashError, isUpyflashError } from '../../errors.js';
import { RawRepl } from '../../repl/raw-repl.js';
import { BoardFs } from '../../repl/board-fs.js';
import { bootCheck, type BootInfo } from '../../repl/boot-check.js';
import { ByteReader } from '../../repl/byte-reader.js';
import { hardReset } from '../../flasher/reset.js';
import type { Reporter } from '../../progress.js';
import { latin1Bytes } from '../../platform/bytes.js';
import type { ReplConsole } from './repl-console.js';

const CTRL_C = 0x03;
/** How long after Stop a program may take to end before the page calls the board busy. */
const STOP_GRACE_MS = 3000;
const PROMPT_WAIT_MS = 3000;

export interface RunOutcome {
  /** The traceback, '' when the code ran to its end. */
  stderr: string;
}

/**
 * The page's hold on a board that runs MicroPython: the console reads the friendly REPL, and file jobs
 * and Run take the line one at a time in the raw REPL (the CLI's RawRepl and BoardFs), pausing the
 * console and resuming it with its scrollback. Stop goes straight to the line (Ctrl-C), not in the
 * queue, and Hard reset cuts short whatever job waits on the board.
 */
export class BoardSession {
  private queue: Promise<unknown> = Promise.resolve();
  private abortJob: (() => void) | undefined;
  private runningCode = false;
  private jobActive = false;

  constructor(
    readonly transport: Transport,
    private readonly console: ReplConsole,
    private readonly reporter: Reporter,
    /** The line went away during a job (cable pulled): the page disconnects. */
    private readonly onLost: (e: unknown) => void = () => undefined,
  ) {}

  get running(): boolean {
    return this.runningCode;
  }

  /** A raw-REPL job: file operations and Run. Queued, so two clicks never interleave on the line. */
  raw<T>(job: (fs: BoardFs, repl: RawRepl) => Promise<T>): Promise<T> {
    return this.enqueue(() => this.rawNow(job));
  }

  /** Runs the code without saving it (like `upyflash run`): output, then any traceback, goes to `onOutput`. */
  run(code: string, onOutput: (data: Uint8Array) => void): Promise<RunOutcome> {
    return this.raw(async (_fs, repl) => {
      this.runningCode = true;
      try {
        const r = await repl.exec(code, { onStdout: onOutput });
        const stderr = new TextDecoder().decode(r.stderr);
        if (stderr !== '') onOutput(new TextEncoder().encode(stderr.replace(/\r?\n/g, '\r\n')));
        return { stderr };
      } finally {
        this.runningCode = false;
      }
    });
  }

  /**
   * Ctrl-C, as the console's Stop does. Resolves when the program ended; a program still running
   * after a grace period ignores Ctrl-C, which is reported as BOARD_BUSY (Hard reset is the way out).
   */
  async stop(): Promise<void> {
    // A Ctrl-C in the middle of a file transfer would only break the transfer: Stop is for programs.
    if (this.jobActive && !this.runningCode) return;
    await this.transport.write(Uint8Array.of(CTRL_C));
    if (!this.runningCode) return;
    const deadline = Date.now() + STOP_GRACE_MS;
    while (this.runningCode && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (this.runningCode) throw new UpyflashError('BOARD_BUSY', 'The program kept running after Stop (Ctrl-C)');
  }

  /** Ctrl-D at the friendly prompt: MicroPython restarts (boot.py and main.py run), files stay. */
  softReset(): Promise<void> {
    return this.enqueue(async () => {
      await this.console.detach();
      const reader = new ByteReader(this.transport);
      let seen: Uint8Array = new Uint8Array(0);
      try {
        await this.transport.write(latin1Bytes('\r\x03\x03'));
        await reader.drain(100, 500);
        await this.transport.write(latin1Bytes('\x04'));
        seen = await reader.readUntil('>>> ', PROMPT_WAIT_MS, 'the prompt after the soft reset').catch(() => reader.drain(50, 100));
      } finally {
        // main.py may still be running: the console shows what it prints from here on.
        this.console.attach(this.transport, concat(seen, reader.peek()), { keep: true });
      }
    });
  }

  /** The reset line (EN), as the board's button: cuts short a job in progress, then waits for the banner. */
  async hardReset(): Promise<BootInfo> {
    this.abortJob?.();
    return this.enqueue(async () => {
      await this.console.detach();
      if (!this.transport.capabilities.controlLines) {
        throw new UpyflashError('BAD_ARGUMENT', 'This connection cannot reset the board', {
          hint: 'Press the EN (RST) button on the board, then Soft reset here.',
        });
      }
      this.console.append('\r\n[hard reset]\r\n');
      await hardReset(this.transport);
      const boot = await bootCheck(this.transport, { timeoutMs: 8000 }, this.reporter);
      this.console.attach(this.transport, latin1Bytes(boot.banner + '\r\n'), { keep: true });
      await this.transport.write(latin1Bytes('\r'));
      return boot;
    });
  }

  /** Ends the session (disconnect, or the flasher takes the line): a job in progress is cut short. */
  async close(): Promise<void> {
    this.abortJob?.();
    await this.queue;
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async rawNow<T>(job: (fs: BoardFs, repl: RawRepl) => Promise<T>): Promise<T> {
    await this.console.detach();
    this.jobActive = true;
    let aborted = false;
    this.abortJob = () => {
      aborted = true;
    };
    const repl = new RawRepl(abortable(this.transport, () => aborted));
    let lost = false;
    try {
      try {
        await repl.enter();
      } catch (e) {
        if (isUpyflashError(e, 'REPL_ERROR')) {
          throw new UpyflashError('BOARD_BUSY', 'The board did not answer Ctrl-C: a program is running that does not stop', { cause: e });
        }
        throw e;
      }
      return await job(new BoardFs(repl), repl);
    } catch (e) {
      lost = isUpyflashError(e, 'DISCONNECTED');
      if (lost) queueMicrotask(() => this.onLost(e));
      throw e;
    } finally {
      this.abortJob = undefined;
      this.jobActive = false;
      if (!lost && !aborted) {
        // Back to the friendly REPL; its banner is noise after a file job, the console gets a fresh prompt.
        await repl.exit().catch(() => undefined);
        await repl.reader.readUntil('>>> ', PROMPT_WAIT_MS, 'the friendly prompt').catch(() => undefined);
        this.console.showPrompt();
        this.console.attach(this.transport, new Uint8Array(0), { keep: true });
      }
    }
  }
}

/** The transport as the raw REPL sees it: once aborted (Hard reset), its reads fail instead of waiting on. */
function abortable(t: Transport, aborted: () => boolean): Transport {
  return new Proxy(t, {
    get(target, prop, receiver) {
      if (prop === 'read') {
        return async (timeoutMs: number) => {
          if (aborted()) throw new UpyflashError('REPL_ERROR', 'Stopped by a hard reset', { details: { hardReset: true } });
          return target.read(timeoutMs);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
