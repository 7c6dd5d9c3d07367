import type { LoaderDialect } from '../chips/index.js';
import { UpyflashError, isUpyflashError } from '../errors.js';
import type { Deflate } from '../platform/deflate.js';
import { type Command, ERASE_SECONDS_PER_MB, commands, timeoutForSize } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import type { Range } from './md5.js';

/** esptool's ESP8266 ROM FLASH_BEGIN workaround: the ROM erases more than asked in some layouts. */
export function esp8266EraseSize(offset: number, size: number): number {
  const sectorsPerBlock = 16;
  const sectorSize = 0x1000;
  const numSectors = Math.floor((size + sectorSize - 1) / sectorSize);
  const startSector = Math.floor(offset / sectorSize);
  let headSectors = sectorsPerBlock - (startSector % sectorsPerBlock);
  if (numSectors < headSectors) headSectors = numSectors;
  if (numSectors < 2 * headSectors) return Math.floor((numSectors + 1) / 2) * sectorSize;
  return (numSectors - headSectors) * sectorSize;
}

export interface RegionWriteOptions {
  readonly deflate: Deflate;
  /** Data blocks sent before the oldest is acknowledged; 1 for ROMs, which write before they ack. */
  readonly maxInFlight: number;
  /** Block size override (smaller after errors); default the dialect's. */
  readonly blockSize?: number;
  /** The stub wants FLASH_DEFL_END after a region (it checks the stream was complete); a ROM would leave the loader. */
  readonly sendEnd: boolean;
  /** Called with uncompressed bytes of this region known written so far. */
  readonly onProgress?: (done: number) => void;
}

export interface RegionWriteStats {
  readonly wireBytes: number;
  readonly compressedBytes: number;
  readonly blocks: number;
}

/**
 * Writes one region: FLASH_DEFL_* when the loader inflates, else plain FLASH_* with 0xFF padding.
 * Throws on the first failed or unanswered block; the caller restarts the region.
 */
export async function writeRegion(
  link: LoaderLink,
  region: Range,
  bytes: Uint8Array,
  opts: RegionWriteOptions,
): Promise<RegionWriteStats> {
  const dialect = requireDialect(link);
  return dialect.supportsDeflate ? writeDeflated(link, dialect, region, bytes, opts) : writePlain(link, dialect, region, bytes, opts);
}

async function writeDeflated(
  link: LoaderLink,
  d: LoaderDialect,
  region: Range,
  bytes: Uint8Array,
  opts: RegionWriteOptions,
): Promise<RegionWriteStats> {
  const startWire = link.bytesWritten;
  const blockSize = opts.blockSize ?? d.flashBlockSize;
  const packed = await opts.deflate(bytes);
  const blocks = Math.ceil(packed.length / blockSize);
  // ROMs erase what BEGIN announces, so they want whole blocks; the stub wants the exact size.
  const size = d.deflateSizeRoundedToBlocks ? Math.ceil(bytes.length / blockSize) * blockSize : bytes.length;
  await link.command(commands.flashDeflBegin(d, size, blocks, blockSize, region.offset));
  // A block may inflate to far more than its size, all of it erased and written before the ack.
  const ratio = bytes.length / Math.max(1, packed.length);
  const blockTimeout = timeoutForSize(ERASE_SECONDS_PER_MB, Math.ceil(blockSize * ratio));
  await sendPipelined(
    link,
    blocks,
    (seq) => commands.flashDeflData(seq, packed.subarray(seq * blockSize, (seq + 1) * blockSize), blockTimeout),
    opts.maxInFlight,
    (acked) => opts.onProgress?.(Math.min(bytes.length, Math.round((acked * blockSize * bytes.length) / packed.length))),
  );
  if (opts.sendEnd) await link.command(commands.flashDeflEnd(false));
  return { wireBytes: link.bytesWritten - startWire, compressedBytes: packed.length, blocks };
}

async function writePlain(
  link: LoaderLink,
  d: LoaderDialect,
  region: Range,
  bytes: Uint8Array,
  opts: RegionWriteOptions,
): Promise<RegionWriteStats> {
  const startWire = link.bytesWritten;
  const blockSize = opts.blockSize ?? d.flashBlockSize;
  const blocks = Math.ceil(bytes.length / blockSize);
  const eraseSize = d.eraseSizeBug ? esp8266EraseSize(region.offset, bytes.length) : bytes.length;
  await link.command(commands.flashBegin(d, eraseSize, blocks, blockSize, region.offset));
  const blockTimeout = timeoutForSize(ERASE_SECONDS_PER_MB, blockSize);
  await sendPipelined(
    link,
    blocks,
    (seq) => {
      const block = new Uint8Array(blockSize).fill(0xff);
      block.set(bytes.subarray(seq * blockSize, (seq + 1) * blockSize));
      return commands.flashData(seq, block, blockTimeout);
    },
    opts.maxInFlight,
    (acked) => opts.onProgress?.(Math.min(bytes.length, acked * blockSize)),
  );
  if (opts.sendEnd) await link.command(commands.flashEnd(false));
  return { wireBytes: link.bytesWritten - startWire, compressedBytes: bytes.length, blocks };
}

/**
 * Sends data blocks keeping up to `window` unacknowledged, so the next block is already on the wire
 * while the chip acknowledges the previous one. Acks come back in order.
 */
async function sendPipelined(
  link: LoaderLink,
  count: number,
  block: (seq: number) => Command,
  window: number,
  onAck: (acked: number) => void,
): Promise<void> {
  let sent = 0;
  let acked = 0;
  const pending: Command[] = [];
  while (acked < count) {
    while (sent < count && sent - acked < Math.max(1, window)) {
      const c = block(sent);
      pending.push(c);
      await link.send(c);
      sent++;
    }
    const c = pending.shift()!;
    try {
      await link.expect(c);
    } catch (e) {
      // The loader does support data blocks: an "unsupported" answer here is a garbled frame.
      if (isUpyflashError(e, 'UNSUPPORTED_COMMAND')) throw new UpyflashError('PROTOCOL_ERROR', `Garbled reply to data block ${acked}`, { cause: e });
      throw e;
    }
    acked++;
    onAck(acked);
  }
}

/** Whole-chip erase: ERASE_FLASH through the stub; through a ROM, FLASH_BEGIN over the whole flash. */
export async function eraseChip(link: LoaderLink, flashBytes: number): Promise<void> {
  const d = requireDialect(link);
  if (d.supportsStubCommands) {
    await link.command(commands.eraseFlash());
    return;
  }
  const eraseSize = d.eraseSizeBug ? esp8266EraseSize(0, flashBytes) : flashBytes;
  await link.command(commands.flashBegin(d, eraseSize, 0, d.flashBlockSize, 0));
}

function requireDialect(link: LoaderLink): LoaderDialect {
  if (!link.dialect) throw new UpyflashError('INTERNAL', 'The loader dialect is not known yet (detect the chip first)');
  return link.dialect;
}

/** Errors after which restarting the region can help (as opposed to a disconnected port or bad input). */
export function isRetryable(e: unknown): boolean {
  return (
    isUpyflashError(e, 'TIMEOUT') ||
    isUpyflashError(e, 'ROM_ERROR') ||
    isUpyflashError(e, 'PROTOCOL_ERROR') ||
    isUpyflashError(e, 'VERIFY_FAILED')
  );
}
