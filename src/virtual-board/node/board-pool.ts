import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UpyflashError } from '../../errors.js';
import type { ServeBoardOptions } from './serve-board.js';
import type { WorkerReport } from './board-worker.js';

/**
 * N virtual boards on N consecutive ports, each in its own worker thread, for tests and demos of work
 * on several boards at once (`flash --all`). Board i (from 1) listens on port + i - 1 (any free port
 * each when port is 0) and keeps its flash in FOLDER/board-i.bin when a folder is given.
 */

export interface BoardPoolOptions {
  count: number;
  /** Options every board shares; port is the first board's. */
  base: Omit<ServeBoardOptions, 'flashFile'>;
  /** Folder for board-1.bin, board-2.bin, ... (created when missing). */
  flashDir?: string;
  /** Per-board overrides by 1-based index, e.g. {3: {behaviour: 'silent'}}. */
  perBoard?: Readonly<Record<number, Partial<ServeBoardOptions>>>;
}

export interface PooledBoard {
  /** 1-based. */
  readonly index: number;
  readonly host: string;
  readonly port: number;
  readonly rfc2217: string;
  readonly socket: string;
  readonly flashFile?: string;
  /** The board's listening line, prefixed "board N: ". */
  readonly line: string;
}

export interface BoardPool {
  readonly boards: readonly PooledBoard[];
  close(): Promise<void>;
}

const workerUrl = new URL('./board-worker.js', import.meta.url);
const CLOSE_TIMEOUT_MS = 10_000;

export async function startBoardPool(opts: BoardPoolOptions): Promise<BoardPool> {
  if (!Number.isInteger(opts.count) || opts.count < 1) {
    throw new UpyflashError('BAD_ARGUMENT', `--count ${opts.count}: give a whole number of boards, 1 or more`);
  }
  if (opts.flashDir) mkdirSync(opts.flashDir, { recursive: true });
  const workers: Worker[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(workers.map(stopWorker));
  };
  try {
    const boards: PooledBoard[] = [];
    // One at a time: each worker compiles MicroPython's wasm, and in parallel they would only compete.
    for (let index = 1; index <= opts.count; index++) {
      const flashFile = opts.flashDir ? join(opts.flashDir, `board-${index}.bin`) : undefined;
      const options: ServeBoardOptions = {
        ...opts.base,
        port: opts.base.port === 0 ? 0 : opts.base.port + index - 1,
        seed: (opts.base.seed ?? 1) + index - 1,
        boardIndex: index,
        ...(flashFile ? { flashFile } : {}),
        ...opts.perBoard?.[index],
      };
      const worker = new Worker(workerUrl, { workerData: options });
      workers.push(worker);
      const ready = await firstReport(worker);
      if (ready.type !== 'ready') {
        throw new UpyflashError('BAD_ARGUMENT', `board ${index} did not start: ${ready.type === 'error' ? ready.message : 'it stopped'}`);
      }
      const hostPort = `${ready.host}:${ready.port}`;
      boards.push({
        index,
        host: ready.host,
        port: ready.port,
        rfc2217: `rfc2217://${hostPort}`,
        socket: `socket://${hostPort}`,
        ...(flashFile ? { flashFile } : {}),
        line: `board ${index}: ${ready.line}`,
      });
    }
    return { boards, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function firstReport(worker: Worker): Promise<WorkerReport> {
  return new Promise((resolve) => {
    const onMessage = (r: WorkerReport) => {
      worker.off('error', onError);
      resolve(r);
    };
    const onError = (e: Error) => {
      worker.off('message', onMessage);
      resolve({ type: 'error', message: e.message });
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

/** Asks the board to close (so its flash file is complete), then ends the thread. */
async function stopWorker(worker: Worker): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    worker.on('message', (r: WorkerReport) => {
      if (r.type === 'closed') {
        clearTimeout(timer);
        resolve();
      }
    });
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    worker.postMessage('close');
  } catch {
    // The thread is already gone.
  }
  await closed;
  await worker.terminate();
}
