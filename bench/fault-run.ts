/**
 * The fault run: many flashes through the library's flash job onto in-process virtual ESP32s (link
 * model off, so it runs at CPU speed) whose host->chip line corrupts bytes at a given rate, plus runs
 * whose cable is pulled mid-write. Every run's verdict is checked against the board's flash itself,
 * read back from the board object: a run that reports success while the flash differs from the file
 * is a false success, the one thing that must never happen.
 */
import { ESP32 } from '../src/chips/index.js';
import { asUpyflashError } from '../src/errors.js';
import { runFlashJob } from '../src/flasher/flash-job.js';
import { connect } from '../src/flasher/session.js';
import { analyzeFirmware } from '../src/image/firmware-file.js';
import { nodeDeflate } from '../src/platform/node/deflate.js';
import { Reporter } from '../src/progress.js';
import { esptoolJsStub, loadStubImage } from '../src/stub/node/esptool-js-stubs.js';
import { endpointTransport } from '../src/transport/endpoint-transport.js';
import { VirtualBoard, type FaultOptions } from '../src/virtual-board/board.js';

export interface FaultRunOutcome {
  readonly seed: number;
  readonly faults: FaultOptions;
  /** The flasher said: written and MD5-verified. */
  readonly reportedSuccess: boolean;
  /** The board's flash holds the file at the address. */
  readonly flashMatches: boolean;
  readonly retries: number;
  readonly seconds: number;
  /** Error kind when the run failed. */
  readonly errorCode?: string;
}

export interface FaultRunSummary {
  readonly runs: number;
  readonly succeeded: number;
  readonly falseSuccesses: number;
  readonly successRate: number;
  readonly totalRetries: number;
  readonly seconds: number;
  readonly outcomes: readonly FaultRunOutcome[];
}

const ADDRESS = 0x1000;

export async function flashOnNoisyLine(image: Uint8Array, faults: FaultOptions): Promise<FaultRunOutcome> {
  const board = new VirtualBoard({ chip: 'esp32', linkModel: false, flashTiming: false, stubImage: () => loadStubImage(ESP32), faults });
  const transport = endpointTransport(board.connect(), 'virtual:esp32');
  const t0 = performance.now();
  let reportedSuccess = false;
  let retries = 0;
  let errorCode: string | undefined;
  try {
    const s = await connect(transport, { stubProvider: esptoolJsStub, deflate: nodeDeflate(9) }, new Reporter());
    try {
      // The flash job as every front end runs it (checks, compare, write, verify), left in the loader.
      const { flash: r } = await runFlashJob(s, { firmware: { file: analyzeFirmware(image, 'fault-run.bin') }, address: ADDRESS, after: 'no-reset' }, new Reporter());
      reportedSuccess = r.verified;
      retries = r.retries;
    } finally {
      await s.close('no-reset').catch(() => undefined);
    }
  } catch (e) {
    errorCode = asUpyflashError(e).kind;
    await transport.close().catch(() => undefined);
  }
  const flashMatches = Buffer.from(board.flash.read(ADDRESS, image.length)).equals(Buffer.from(image));
  board.close();
  return {
    seed: faults.seed ?? 0,
    faults,
    reportedSuccess,
    flashMatches,
    retries,
    seconds: (performance.now() - t0) / 1000,
    ...(errorCode !== undefined ? { errorCode } : {}),
  };
}

/**
 * `runs` noisy flashes (seeds firstSeed..), then `disconnects` more whose link dies mid-write. A run
 * spends most of its time waiting (reset pulses, settling after a baud change, timeouts on garbled
 * frames), so `concurrency` boards are flashed at once, each with its own session.
 */
export async function faultRun(
  image: Uint8Array,
  opts: {
    runs: number;
    disconnects: number;
    byteErrorRate: number;
    firstSeed?: number;
    concurrency?: number;
    onRun?: (o: FaultRunOutcome, i: number) => void;
  },
): Promise<FaultRunSummary> {
  const first = opts.firstSeed ?? 1000;
  const total = opts.runs + opts.disconnects;
  const outcomes: FaultRunOutcome[] = new Array(total);
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      const faults: FaultOptions = {
        byteErrorRate: opts.byteErrorRate,
        seed: first + i,
        // Pulled about a third of the way into the image's wire traffic.
        ...(i >= opts.runs ? { disconnectAfterBytes: Math.round(image.length / 3) } : {}),
      };
      const o = await flashOnNoisyLine(image, faults);
      outcomes[i] = o;
      opts.onRun?.(o, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
  const succeeded = outcomes.filter((o) => o.reportedSuccess).length;
  return {
    runs: total,
    succeeded,
    falseSuccesses: outcomes.filter((o) => o.reportedSuccess && !o.flashMatches).length,
    successRate: succeeded / total,
    totalRetries: outcomes.reduce((n, o) => n + o.retries, 0),
    seconds: (performance.now() - t0) / 1000,
    outcomes,
  };
}
