/**
 * The check a "Verified" line rests on: after the last write of a job, the chip computes one MD5 per part
 * over the whole part, skipped ("unchanged") spans included. Checks made region by region during the
 * write cannot carry that claim: a later write may land outside its own region (an emulated ESP32 ROM did,
 * shared/traces/esp32-rom-multiregion-write), and only a check after it sees that. A part that does not
 * match is narrowed to the span that differs, written again as one region, and checked once more; a
 * second mismatch is E040 naming the span.
 */
import { UpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import type { Range } from './md5.js';
import { type FlashPart, partRange, sumRanges } from './parts.js';
import { formatSize } from './spi-flash.js';

/** What the final check needs from the session: the chip's MD5s, a compare and a write. */
export interface FinalCheckSteps {
  readonly reporter: Reporter;
  /** The chip's MD5 of a flash span (retried on a bad line). */
  chipMd5(r: Range): Promise<string>;
  /** The host's MD5 of a part (computed once per job). */
  fileMd5(p: FlashPart): string;
  /** Where a part differs from the flash, given the chip's MD5 of the whole part. */
  differing(p: FlashPart, wholeFlashMd5: string): Promise<Range[]>;
  /** Writes `spans` again, each as one region. */
  rewrite(spans: readonly Range[]): Promise<void>;
}

/** A part the chip checked after the last write: what a "Verified" line may name. */
export interface CheckedPart {
  readonly address: number;
  readonly length: number;
  readonly md5: string;
}

/**
 * Checks every part after the last write, repairs once, and returns what the chip checked. `current`
 * lists spans whose MD5 was already taken after the last write (nothing written since): those parts
 * are not asked again.
 */
export async function finalCheck(steps: FinalCheckSteps, parts: readonly FlashPart[], current: readonly Range[] = []): Promise<CheckedPart[]> {
  const toAsk = parts.filter((p) => !covered(partRange(p), current));
  if (toAsk.length) steps.reporter.phase('verify', `Checking all ${formatSize(sumRanges(toAsk.map(partRange)))} on the chip after the last write...`);
  const bad = await mismatches(steps, toAsk);
  if (bad.length) {
    const spans = await failingSpans(steps, bad);
    steps.reporter.warn(
      `The flash did not hold the image after the last write (${spans.map(describeSpan).join(', ')}: bytes landed outside the regions written); writing ${spans.length === 1 ? 'that span' : 'those spans'} again as one region each.`,
    );
    await steps.rewrite(spans);
    steps.reporter.phase('verify', 'Checking the whole image on the chip again...');
    const still = await mismatches(steps, parts);
    if (still.length) {
      const failed = await failingSpans(steps, still);
      throw new UpyflashError('VERIFY_FAILED', `The flash still differs from the image at ${failed.map(describeSpan).join(', ')} after it was written again`, {
        details: { failed },
      });
    }
  }
  return parts.map((p) => ({ address: p.address, length: p.bytes.length, md5: steps.fileMd5(p) }));
}

interface Mismatch {
  readonly part: FlashPart;
  readonly flashMd5: string;
}

async function mismatches(steps: FinalCheckSteps, parts: readonly FlashPart[]): Promise<Mismatch[]> {
  const out: Mismatch[] = [];
  for (const part of parts) {
    const flashMd5 = await steps.chipMd5(partRange(part));
    if (flashMd5 !== steps.fileMd5(part)) out.push({ part, flashMd5 });
  }
  return out;
}

/** Per mismatching part, the span that differs (the whole part when the compare finds nothing narrower). */
async function failingSpans(steps: FinalCheckSteps, bad: readonly Mismatch[]): Promise<Range[]> {
  const spans: Range[] = [];
  for (const { part, flashMd5 } of bad) spans.push(hull(await steps.differing(part, flashMd5)) ?? partRange(part));
  return spans;
}

/** `r` lies inside one of `spans`. */
function covered(r: Range, spans: readonly Range[]): boolean {
  return spans.some((s) => s.offset <= r.offset && r.offset + r.length <= s.offset + s.length);
}

/** From the first differing byte's chunk to the last one's end: one region, whatever lies between. */
function hull(ranges: readonly Range[]): Range | undefined {
  if (!ranges.length) return undefined;
  const start = Math.min(...ranges.map((r) => r.offset));
  const end = Math.max(...ranges.map((r) => r.offset + r.length));
  return { offset: start, length: end - start };
}

export function describeSpan(r: Range): string {
  return `0x${r.offset.toString(16)}–0x${(r.offset + r.length).toString(16)}`;
}
