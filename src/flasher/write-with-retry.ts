/**
 * The write phase of a flash: every changed range written and MD5-verified on its own, and on a noisy
 * line written again, in ever smaller blocks and self-contained pieces, until it sticks or stops
 * making progress. The session supplies the link, the loader's abilities and its recovery step.
 */
import { UpyflashError } from '../errors.js';
import type { Deflate } from '../platform/deflate.js';
import type { Reporter } from '../progress.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import type { BlockTimeouts } from './block-timeouts.js';
import { type Range, changedRanges, fileMd5, flashMd5, matchedPrefix } from './md5.js';
import { type FlashPart, describeRanges, partOf, partRange, sliceOf, splitRanges, sumRanges } from './parts.js';
import { LineFaultStreak, failureName, lineFault, summarizeFailures } from './line-faults.js';
import { formatSize } from './spi-flash.js';
import { isRetryable, writeRegion } from './write.js';

export interface RetryWriteOptions {
  readonly link: LoaderLink;
  readonly reporter: Reporter;
  readonly deflate: Deflate;
  /** Data-block ack timeouts, shared by every write of the session (they adapt to a slow flash). */
  readonly timeouts: BlockTimeouts;
  /** The loader computes MD5s: each region is verified right after it is written. */
  readonly canVerify: boolean;
  /** The stub wants FLASH_DEFL_END after a region; a ROM would leave the loader. */
  readonly sendEnd: boolean;
  readonly maxInFlight: number;
  /** First block size; halved (down to 1 KiB) after each failed pass. */
  readonly blockSize: number;
  /** Retries in a row that make no progress before giving up. */
  readonly retriesAllowed: number;
  /** After a failed exchange: swallow late replies, forget partial frames. */
  readonly recover: () => Promise<void>;
  /**
   * Regions kept failing on the line (`why`) at the current rate, `streak` times in a row without a
   * region getting through in between: move to a slower rate (proven, baud.ts) and resolve with it, or
   * with undefined where the rate may or can not change. May throw (a user's exact rate, E014).
   */
  readonly slowDown?: (why: string, streak: number) => Promise<number | undefined>;
  /**
   * A region got no reply at all: make sure the loader is still there (and bring it back), before the
   * next region is sent after it. May throw (E017: the loader is gone and nothing can reset the chip).
   */
  readonly afterNoReply?: () => Promise<void>;
}

/** Regions in a row that fail on the line before the rate is lowered (MD5 mismatches do not count). */
export const LINE_FAULTS_BEFORE_SLOWDOWN = 2;

export interface RetryWriteResult {
  readonly written: readonly Range[];
  readonly wireBytes: number;
  readonly compressedBytes: number;
  readonly retries: number;
  /** Spans the chip checked by MD5 after the job's last write (nothing written since). */
  readonly checkedAfterLastWrite: readonly Range[];
}

const MAX_TOTAL_RETRIES = 200;
const MIN_RETRY_BLOCK = 0x400;
const FIRST_RETRY_PIECE = 0x8000;
const MIN_RETRY_PIECE = 0x1000;

interface WriteState {
  retries: number;
  stalled: number;
  pieceSize: number;
  lastRemaining: number;
  blockSize: number;
  wireBytes: number;
  compressedBytes: number;
  readonly written: Range[];
  readonly streak: LineFaultStreak;
  /** Line-fault streaks since a region last got through. */
  streaks: number;
  /** Spans MD5-checked after the last write so far. */
  checked: readonly Range[];
}

/** Writes `todo` (ranges inside `parts`), verifying every region, retrying cleanly. */
export async function writeWithRetry(o: RetryWriteOptions, parts: readonly FlashPart[], todo: Range[]): Promise<RetryWriteResult> {
  const s: WriteState = {
    retries: 0,
    stalled: 0,
    pieceSize: FIRST_RETRY_PIECE,
    lastRemaining: Number.POSITIVE_INFINITY,
    blockSize: o.blockSize,
    wireBytes: 0,
    compressedBytes: 0,
    written: [],
    streak: new LineFaultStreak(LINE_FAULTS_BEFORE_SLOWDOWN),
    streaks: 0,
    checked: [],
  };
  for (;;) {
    const pass = await writePass(o, parts, todo, s);
    const failed = pass.failed;
    let lastError = pass.lastError;
    if (!failed.length) {
      if (s.retries === 0 || !o.canVerify) break;
      // Errors were seen on the line: a garbled BEGIN (it has no checksum) can have written a
      // region elsewhere in the image that was verified earlier, so check the whole image once more.
      const again = await changedOrAll(o, parts);
      if (!again.length) {
        s.checked = parts.map(partRange);
        break;
      }
      failed.push(...again);
      lastError = new UpyflashError('VERIFY_FAILED', `${again.length} region(s) changed after they were verified`);
    }
    s.retries++;
    o.reporter.warn(retryLine(o, pass, failed, s.retries));
    o.reporter.debug(`failed regions: ${describeRanges(failed)}`);
    todo = await stillToWrite(o, parts, failed, s.pieceSize);
    if (!todo.length) break;
    giveUpWithoutProgress(o, s, todo, lastError as UpyflashError);
    // Smaller blocks and regions get through a noisy line more often (each is checked on its own).
    if (s.retries > 1) s.pieceSize = Math.max(MIN_RETRY_PIECE, s.pieceSize >> 1);
    s.blockSize = Math.max(MIN_RETRY_BLOCK, s.blockSize >> 1);
  }
  return { written: s.written, wireBytes: s.wireBytes, compressedBytes: s.compressedBytes, retries: s.retries, checkedAfterLastWrite: s.checked };
}

/** One pass over what is to be written; returns the regions that failed (the line is recovered after each). */
async function writePass(
  o: RetryWriteOptions,
  parts: readonly FlashPart[],
  todo: readonly Range[],
  s: WriteState,
): Promise<PassResult> {
  const total = sumRanges(todo);
  let base = 0;
  o.reporter.phase('write', `Writing ${formatSize(total)} at 0x${todo[0]!.offset.toString(16)}${s.retries ? ` (retry ${s.retries})` : ''}...`);
  const failed: Range[] = [];
  const reasons: string[] = [];
  let lastError: unknown;
  let baudChanged = false;
  // After a failure, write in small self-contained regions (BEGIN/DATA/END each): the stub
  // only commits inflated data to flash in 32 KiB steps or at END, so on a noisy line small
  // regions are what makes progress stick.
  const pieces = s.retries === 0 ? todo : splitRanges(todo, s.pieceSize);
  for (const r of pieces) {
    try {
      await writeAndVerify(o, r, sliceOf(parts, r), s, (done) => o.reporter.progress('write', base + done, total));
      s.written.push(r);
      s.streak.succeeded();
      s.streaks = 0;
    } catch (e) {
      if (!isRetryable(e)) throw e;
      lastError = e;
      failed.push(r);
      reasons.push(failureName(e));
      o.reporter.debug(`region 0x${r.offset.toString(16)}+${r.length} failed at ${o.link.transport.baud} baud: ${(e as Error).message}`);
      await o.recover();
      if (o.afterNoReply && lineFault(e) === 'no reply') await o.afterNoReply();
      if (await slowDownIfLineIsBad(o, s, e)) baudChanged = true;
    }
    base += r.length;
  }
  return { failed, lastError, reasons, attempted: pieces.length, baudChanged };
}

/** The one line a person reads per retry: counts and reasons, never the ranges (those are debug). */
function retryLine(o: RetryWriteOptions, pass: PassResult, failed: readonly Range[], retry: number): string {
  const rate = pass.baudChanged ? ` at ${o.link.transport.baud} baud` : '';
  const what = pass.reasons.length
    ? `${failed.length} of ${pass.attempted} regions failed (${summarizeFailures(pass.reasons)})`
    : `${failed.length} region(s) changed after they were verified (a garbled command can write elsewhere)`;
  return `${what}; writing them again${rate} (retry ${retry}).`;
}

interface PassResult {
  readonly failed: Range[];
  readonly lastError: unknown;
  /** One short failure name per failed region ("invalid CRC", "no reply", "MD5 mismatch"). */
  readonly reasons: string[];
  readonly attempted: number;
  readonly baudChanged: boolean;
}

/**
 * A line that corrupts frame after frame at this rate will not get better by retrying at it: after
 * LINE_FAULTS_BEFORE_SLOWDOWN such regions in a row, ask for a slower rate and carry on from here.
 */
async function slowDownIfLineIsBad(o: RetryWriteOptions, s: WriteState, e: unknown): Promise<boolean> {
  if (!o.slowDown || !s.streak.failed(e)) return false;
  const why = s.streak.why;
  s.streak.clear();
  s.streaks++;
  const before = o.link.transport.baud;
  const now = await o.slowDown(why, s.streaks);
  return now !== undefined && now !== before;
}

async function writeAndVerify(o: RetryWriteOptions, r: Range, slice: Uint8Array, s: WriteState, onProgress: (done: number) => void): Promise<void> {
  // Said before BEGIN, so the phase meter counts this region's BEGIN and first block as writing, not as
  // the previous region's verify.
  onProgress(0);
  // This write may change any span checked before it (even when it fails part-way): none holds any more.
  s.checked = [];
  const stats = await writeRegion(o.link, r, slice, {
    deflate: o.deflate,
    maxInFlight: o.maxInFlight,
    blockSize: s.blockSize,
    timeouts: o.timeouts,
    sendEnd: o.sendEnd,
    onProgress,
  });
  s.wireBytes += stats.wireBytes;
  s.compressedBytes += stats.compressedBytes;
  if (!o.canVerify) return;
  o.reporter.progress('verify', 0, r.length);
  const got = await flashMd5(o.link, r);
  o.reporter.progress('verify', r.length, r.length);
  if (got !== fileMd5(slice)) {
    throw new UpyflashError('VERIFY_FAILED', `MD5 mismatch at 0x${r.offset.toString(16)} (+${r.length})`);
  }
  s.checked = [r];
}

/**
 * A retry that got further is progress: only consecutive retries without progress count against the
 * limit, so a long image over a noisy line still gets through piece by piece.
 */
function giveUpWithoutProgress(o: RetryWriteOptions, s: WriteState, todo: readonly Range[], err: UpyflashError): void {
  const remaining = sumRanges(todo);
  s.stalled = remaining < s.lastRemaining ? 0 : s.stalled + 1;
  s.lastRemaining = remaining;
  if (s.stalled > o.retriesAllowed || s.retries > MAX_TOTAL_RETRIES) {
    throw new UpyflashError(err.kind === 'VERIFY_FAILED' ? 'VERIFY_FAILED' : 'WRITE_FAILED', `${err.message} (after ${s.retries} retries)`, {
      cause: err,
      details: { failed: todo },
    });
  }
}

/** Of the failed regions, what is still to be written: long ones resume after the prefix that already matches. */
async function stillToWrite(o: RetryWriteOptions, parts: readonly FlashPart[], failed: readonly Range[], pieceSize: number): Promise<Range[]> {
  const todo: Range[] = [];
  for (const f of failed) todo.push(...(o.canVerify && f.length > pieceSize ? await retryCompare(o, partOf(parts, f), f) : [f]));
  return todo;
}

async function retryCompare(o: RetryWriteOptions, part: FlashPart, r: Range): Promise<Range[]> {
  try {
    const done = await matchedPrefix(o.link, part.bytes, part.address, r);
    return done >= r.length ? [] : [{ offset: r.offset + done, length: r.length - done }];
  } catch (e) {
    if (!isRetryable(e)) throw e;
    await o.recover();
    return [r];
  }
}

/** What of the whole image differs now; a part that cannot be compared counts as changed. */
async function changedOrAll(o: RetryWriteOptions, parts: readonly FlashPart[]): Promise<Range[]> {
  const out: Range[] = [];
  for (const p of parts) {
    try {
      out.push(...(await changedRanges(o.link, p.bytes, p.address, partRange(p))));
    } catch (e) {
      if (!isRetryable(e)) throw e;
      await o.recover();
      out.push(partRange(p));
    }
  }
  return out;
}
