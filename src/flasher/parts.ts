/**
 * A flash image as the flasher writes it: one or more parts, each a run of bytes at a flash address
 * (one merged .bin, or the ADDR FILE parts of image/firmware-parts.ts). Ranges the flasher works on
 * never straddle two parts, so each can be sliced out of the part it came from.
 */
import { UpyflashError } from '../errors.js';
import { COMPARE_CHUNK, type Range } from './md5.js';
import { formatSize } from './spi-flash.js';

export interface FlashPart {
  readonly address: number;
  readonly bytes: Uint8Array;
}

export function partRange(p: FlashPart): Range {
  return { offset: p.address, length: p.bytes.length };
}

/** The part a range lies in (ranges are always cut from a single part). */
export function partOf(parts: readonly FlashPart[], r: Range): FlashPart {
  const p = parts.find((x) => r.offset >= x.address && r.offset + r.length <= x.address + x.bytes.length);
  if (!p) throw new UpyflashError('INTERNAL', `0x${r.offset.toString(16)}+${r.length} is not inside one part of the image`);
  return p;
}

/** The file's bytes for a range. */
export function sliceOf(parts: readonly FlashPart[], r: Range): Uint8Array {
  const p = partOf(parts, r);
  return p.bytes.subarray(r.offset - p.address, r.offset - p.address + r.length);
}

/** Refuses parts that overlap: two parts claiming the same flash bytes is a caller's mistake. */
export function checkParts(parts: readonly FlashPart[]): void {
  if (parts.length === 0) throw new UpyflashError('INTERNAL', 'a flash image needs at least one part');
  const sorted = [...parts].sort((a, b) => a.address - b.address);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (prev.address + prev.bytes.length > sorted[i]!.address) {
      throw new UpyflashError('BAD_ARGUMENT', `Image parts at 0x${prev.address.toString(16)} and 0x${sorted[i]!.address.toString(16)} overlap`);
    }
  }
}

export function sumRanges(ranges: readonly Range[]): number {
  return ranges.reduce((n, r) => n + r.length, 0);
}

/** Cuts ranges into pieces of at most `size` bytes, aligned to `size` from each range's start. */
export function splitRanges(ranges: readonly Range[], size: number): Range[] {
  const out: Range[] = [];
  for (const r of ranges) {
    for (let at = 0; at < r.length; at += size) out.push({ offset: r.offset + at, length: Math.min(size, r.length - at) });
  }
  return out;
}

export function describeRanges(ranges: readonly Range[]): string {
  return ranges.map((r) => `0x${r.offset.toString(16)}+${formatSize(r.length)}`).join(', ');
}

/**
 * The part of a span from its first 64 KiB flash block on: the region a job writes whole and compresses
 * ahead (an app at 0x10000 is all body; the bootloader area before it is not). Undefined when the span
 * ends before a block boundary.
 */
export function alignedBody(r: Range): Range | undefined {
  const start = Math.ceil(r.offset / COMPARE_CHUNK) * COMPARE_CHUNK;
  const end = r.offset + r.length;
  return start < end ? { offset: start, length: end - start } : undefined;
}
