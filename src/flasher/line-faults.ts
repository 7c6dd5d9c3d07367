/**
 * Which failures say the *line* is bad (frames garbled or lost on the way) rather than the flash, and
 * how to name them in one short word group for a person. A write loop that keeps seeing these at a
 * fast rate should slow down; an MD5 mismatch after a clean transfer is not the line's fault.
 */
import { isUpyflashError } from '../errors.js';

/** Loader refusals of a frame as a frame: ROM 0x05 / 0x07, stub 0xC0 / 0xC1 (see write.ts). */
const FRAME_ERRORS: Readonly<Record<number, string>> = {
  0x05: 'invalid message',
  0x07: 'invalid CRC',
  0xc0: 'bad data length',
  0xc1: 'bad data checksum',
};

/** A short name for a line fault, or undefined when `e` is not one (MD5 mismatch, flash errors, ...). */
export function lineFault(e: unknown): string | undefined {
  if (isUpyflashError(e, 'TIMEOUT')) return 'no reply';
  if (isUpyflashError(e, 'PROTOCOL_ERROR')) return 'garbled reply';
  if (isUpyflashError(e, 'ROM_ERROR')) {
    const error = (e.details as { error?: unknown } | undefined)?.error;
    return typeof error === 'number' ? FRAME_ERRORS[error] : undefined;
  }
  return undefined;
}

/** A short name for any retryable failure, for counting: the line fault, or what else went wrong. */
export function failureName(e: unknown): string {
  const fault = lineFault(e);
  if (fault) return fault;
  if (isUpyflashError(e, 'VERIFY_FAILED')) return 'MD5 mismatch';
  if (isUpyflashError(e, 'ROM_ERROR')) {
    const name = (e.details as { errorName?: unknown } | undefined)?.errorName;
    if (typeof name === 'string') return name;
  }
  return e instanceof Error ? e.message : String(e);
}

/** "invalid CRC ×3, no reply": the commonest reasons first, at most `max` of them. */
export function summarizeFailures(names: readonly string[], max = 2): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, max).map(([n, c]) => (c > 1 ? `${n} ×${c}` : n));
  if (sorted.length > max) shown.push('other');
  return shown.join(', ');
}

/**
 * Counts failed units (regions, read chunks) in a row whose failure was a line fault. Any success or
 * any other failure starts the count again, so an unlucky byte now and then never slows a flash down.
 */
export class LineFaultStreak {
  private run = 0;
  private readonly reasons: string[] = [];
  constructor(readonly limit: number) {}
  /** Records a failure; true when the streak has reached the limit. */
  failed(e: unknown): boolean {
    const fault = lineFault(e);
    if (!fault) {
      this.clear();
      return false;
    }
    this.run++;
    this.reasons.push(fault);
    return this.run >= this.limit;
  }
  succeeded(): void {
    this.clear();
  }
  /** What the streak was made of, for the one warning line. */
  get why(): string {
    return summarizeFailures(this.reasons);
  }
  get length(): number {
    return this.run;
  }
  clear(): void {
    this.run = 0;
    this.reasons.length = 0;
  }
}
