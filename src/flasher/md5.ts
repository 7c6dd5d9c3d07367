import { UpyflashError } from '../errors.js';
import { md5, toHex } from '../platform/hash.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';

/** A span of flash, absolute offsets. */
export interface Range {
  readonly offset: number;
  readonly length: number;
}

/** Granularity of the skip-unchanged comparison (issue 3.5). */
export const COMPARE_CHUNK = 0x10000;

/** SPI_FLASH_MD5 of a flash span, as lowercase hex: raw 16 bytes from the stub, 32 ASCII hex from a ROM. */
export async function flashMd5(link: LoaderLink, range: Range): Promise<string> {
  const dialect = link.dialect;
  if (!dialect?.supportsMd5) {
    throw new UpyflashError('UNSUPPORTED_COMMAND', 'This loader cannot compute MD5 checksums of the flash');
  }
  const reply = await link.command(commands.md5(dialect, range.offset, range.length));
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

/**
 * Which parts of `image` (to be written at `address`) differ from the flash, compared per 64 KiB chunk
 * and merged where neighbours both differ. One MD5 of the whole span first: an unchanged image costs a
 * single round trip.
 */
export async function changedRanges(
  link: LoaderLink,
  image: Uint8Array,
  address: number,
  within: Range = { offset: address, length: image.length },
  onChunk?: (done: number, total: number) => void,
): Promise<Range[]> {
  const slice = (r: Range) => image.subarray(r.offset - address, r.offset - address + r.length);
  if ((await flashMd5(link, within)) === fileMd5(slice(within))) return [];
  const out: Range[] = [];
  const end = within.offset + within.length;
  for (let at = within.offset; at < end; at += COMPARE_CHUNK) {
    const chunk = { offset: at, length: Math.min(COMPARE_CHUNK, end - at) };
    if ((await flashMd5(link, chunk)) !== fileMd5(slice(chunk))) {
      const last = out[out.length - 1];
      if (last && last.offset + last.length === chunk.offset) out[out.length - 1] = { offset: last.offset, length: last.length + chunk.length };
      else out.push(chunk);
    }
    onChunk?.(at + chunk.length - within.offset, within.length);
  }
  return out;
}
