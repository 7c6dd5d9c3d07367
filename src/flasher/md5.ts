import { UpyflashError } from '../errors.js';
import { md5, toHex } from '../platform/hash.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { commandWithRetry } from './retry.js';

/** A span of flash, absolute offsets. */
export interface Range {
  readonly offset: number;
  readonly length: number;
}

/** Granularity of the skip-unchanged comparison (issue 3.5). */
export const COMPARE_CHUNK = 0x10000;

/**
 * SPI_FLASH_MD5 of a flash span, as lowercase hex: raw 16 bytes from the stub, 32 ASCII hex from a ROM.
 * `tries`: how often a lost or garbled exchange is repeated (commandWithRetry's default when omitted).
 */
export async function flashMd5(link: LoaderLink, range: Range, tries?: number): Promise<string> {
  const dialect = link.dialect;
  if (!dialect?.supportsMd5) {
    throw new UpyflashError('UNSUPPORTED_COMMAND', 'This loader cannot compute MD5 checksums of the flash');
  }
  const reply = await commandWithRetry(link, commands.md5(dialect, range.offset, range.length), tries);
  if (dialect.md5Format === 'raw') {
    if (reply.data.length !== 16) throw new UpyflashError('PROTOCOL_ERROR', `MD5 reply has ${reply.data.length} bytes, not 16`);
    return toHex(reply.data);
  }
  let hex = '';
  for (const b of reply.data) hex += String.fromCharCode(b);
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new UpyflashError('PROTOCOL_ERROR', 'MD5 reply is not 32 hex digits');
  return hex.toLowerCase();
}

export function fileMd5(bytes: Uint8Array): string {
  return toHex(md5(bytes));
}

/** Granularity inside a chunk that is not a whole 64 KiB block (the stub erases those sector by sector). */
export const COMPARE_SECTOR = 0x1000;

/** What the caller of changedRanges already knows. */
export interface CompareOptions {
  readonly onChunk?: (done: number, total: number) => void;
  /** The flash's MD5 over the whole span, when it was already asked for (so it is not asked twice). */
  readonly wholeFlashMd5?: string;
  /** The image's MD5 over the whole span, when already computed (~20 ms per 1.7 MB on the host). */
  readonly wholeFileMd5?: string;
}

/**
 * Which parts of `image` (to be written at `address`) differ from the flash, compared per 64 KiB chunk
 * aligned to the flash's 64 KiB blocks (so the bootloader area before the app is a chunk of its own and
 * a new app does not drag it along), and merged where neighbours both differ. A differing chunk that is
 * not a whole block (the bootloader area, the image's tail) is narrowed to the 4 KiB sectors that
 * differ: the stub erases such chunks sector by sector, so every unchanged sector skipped saves its
 * erase. One MD5 of the whole span first: an unchanged image costs a single round trip, and so does an
 * erased flash (its MD5 is that of 0xFF bytes), where only the image's own 0xFF sectors already match.
 */
export async function changedRanges(
  link: LoaderLink,
  image: Uint8Array,
  address: number,
  within: Range = { offset: address, length: image.length },
  opts: CompareOptions = {},
): Promise<Range[]> {
  const slice = (r: Range) => image.subarray(r.offset - address, r.offset - address + r.length);
  const differs = async (r: Range) => (await flashMd5(link, r)) !== fileMd5(slice(r));
  const whole = opts.wholeFlashMd5 ?? (await flashMd5(link, within));
  if (whole === (opts.wholeFileMd5 ?? fileMd5(slice(within)))) return [];
  const out: Range[] = [];
  const add = (r: Range) => {
    const last = out[out.length - 1];
    if (last && last.offset + last.length === r.offset) out[out.length - 1] = { offset: last.offset, length: last.length + r.length };
    else out.push(r);
  };
  if (whole === erasedMd5(within.length)) {
    for (const sector of sectorsOf(within)) if (!isErased(slice(sector))) add(sector);
    opts.onChunk?.(within.length, within.length);
    return out;
  }
  const end = within.offset + within.length;
  for (let at = within.offset; at < end; ) {
    const next = Math.min(end, (Math.floor(at / COMPARE_CHUNK) + 1) * COMPARE_CHUNK);
    const chunk = { offset: at, length: next - at };
    if (await differs(chunk)) {
      if (chunk.length === COMPARE_CHUNK) add(chunk);
      else for (const sector of await changedSectors(chunk, differs)) add(sector);
    }
    at = next;
    opts.onChunk?.(at - within.offset, within.length);
  }
  return out;
}

const erasedMd5s = new Map<number, string>();

/** MD5 of `length` bytes of erased flash (0xFF), as the chip reports it for an erased span. */
export function erasedMd5(length: number): string {
  let hex = erasedMd5s.get(length);
  if (hex === undefined) {
    hex = fileMd5(new Uint8Array(length).fill(0xff));
    erasedMd5s.set(length, hex);
  }
  return hex;
}

function isErased(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0xff) return false;
  return true;
}

/** `r` cut at the flash's 4 KiB sector boundaries. */
function sectorsOf(r: Range): Range[] {
  const out: Range[] = [];
  const end = r.offset + r.length;
  for (let at = r.offset; at < end; ) {
    const next = Math.min(end, (Math.floor(at / COMPARE_SECTOR) + 1) * COMPARE_SECTOR);
    out.push({ offset: at, length: next - at });
    at = next;
  }
  return out;
}

async function changedSectors(chunk: Range, differs: (r: Range) => Promise<boolean>): Promise<Range[]> {
  const out: Range[] = [];
  for (const sector of sectorsOf(chunk)) if (await differs(sector)) out.push(sector);
  return out;
}

/**
 * How much of `range` already holds the file, from its start, in whole `granularity` steps. Writes go
 * front to back, so after a failed write the written part is a prefix: a binary search over prefix
 * MD5s finds where to resume with a handful of round trips.
 */
export async function matchedPrefix(
  link: LoaderLink,
  image: Uint8Array,
  address: number,
  range: Range,
  granularity = 0x1000,
): Promise<number> {
  const steps = Math.ceil(range.length / granularity);
  const prefixOk = async (n: number): Promise<boolean> => {
    const length = Math.min(range.length, n * granularity);
    const at = range.offset - address;
    // One try each: this runs right after a failure, and on a line that is still bad every repeat
    // waits out a multi-second MD5 timeout; the caller then simply writes the whole region again.
    return (await flashMd5(link, { offset: range.offset, length }, 1)) === fileMd5(image.subarray(at, at + length));
  };
  let lo = 0; // known good
  let hi = steps; // candidate upper bound
  if (await prefixOk(hi)) return range.length;
  hi -= 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await prefixOk(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo * granularity;
}
