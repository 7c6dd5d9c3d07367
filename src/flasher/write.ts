import type { LoaderDialect } from '../chips/index.js';
import { UpyflashError, isUpyflashError } from '../errors.js';
import type { Deflate } from '../platform/deflate.js';
import { type Command, ERASE_SECONDS_PER_MB, commands, timeoutForSize } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { type BlockTimeouts, STUB_HELD_OUTPUT, inflatedBlockSizes } from './block-timeouts.js';
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
  /**
   * Per-block acknowledgement timeouts from line time and flash work (block-timeouts.ts); without it,
   * esptool's rule (40 s/MB of the block, at least 3 s).
   */
  readonly timeouts?: BlockTimeouts;
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
  const d = requireDialect(link);
  const startWire = link.bytesWritten;
  const blockSize = opts.blockSize ?? d.flashBlockSize;
  const plan = d.supportsDeflate ? await deflatedPlan(d, region, bytes, blockSize, opts.deflate) : plainPlan(d, region, bytes, blockSize);
  const blocks = plan.flashSizes.length;
  await link.command(plan.begin);
  const timeoutFor = (seq: number, frameBytes: number) =>
    opts.timeouts
      ? opts.timeouts.forBlock(frameBytes, link.transport.baud, flashWorkBeforeAck(d, plan.flashSizes, seq))
      : timeoutForSize(ERASE_SECONDS_PER_MB, plan.flashSizes[seq] ?? blockSize);
  await sendPipelined(
    link,
    blocks,
    (seq) => {
      const chunk = plan.payload.subarray(seq * blockSize, (seq + 1) * blockSize);
      const block = plan.padBlocks ? padded(chunk, blockSize) : chunk;
      return plan.data(seq, block, timeoutFor(seq, block.length + DATA_FRAME_OVERHEAD));
    },
    opts.maxInFlight,
    (acked) => opts.onProgress?.(Math.min(bytes.length, Math.round((acked * blockSize * bytes.length) / plan.payload.length))),
    opts.timeouts,
  );
  if (opts.sendEnd) await link.command(plan.end(() => timeoutFor(blocks, 0)));
  return { wireBytes: link.bytesWritten - startWire, compressedBytes: plan.payload.length, blocks };
}

/** What differs between FLASH_DEFL_* and plain FLASH_* writes; the block loop is the same for both. */
interface RegionPlan {
  /** The bytes cut into blocks: the compressed stream, or the region's bytes as they are. */
  readonly payload: Uint8Array;
  readonly begin: Command;
  /** Flash bytes each block turns into on the chip, one entry per block. */
  readonly flashSizes: readonly number[];
  /** ROM FLASH_DATA takes whole blocks only, so a short last block is filled up with 0xFF. */
  readonly padBlocks: boolean;
  readonly data: (seq: number, block: Uint8Array, timeoutMs: number) => Command;
  /** `endWorkTimeout` is the wait for the flash work still pending when END is sent. */
  readonly end: (endWorkTimeout: () => number) => Command;
}

async function deflatedPlan(d: LoaderDialect, region: Range, bytes: Uint8Array, blockSize: number, deflate: Deflate): Promise<RegionPlan> {
  const packed = await deflate(bytes);
  const blocks = Math.ceil(packed.length / blockSize);
  // ROMs erase what BEGIN announces, so they want whole blocks; the stub wants the exact size.
  const size = d.deflateSizeRoundedToBlocks ? Math.ceil(bytes.length / blockSize) * blockSize : bytes.length;
  return {
    payload: packed,
    begin: commands.flashDeflBegin(d, size, blocks, blockSize, region.offset),
    // A block may inflate to far more than its size, all of it erased and written before an ack.
    flashSizes: inflatedBlockSizes(packed, blockSize),
    padBlocks: false,
    data: commands.flashDeflData,
    end: (endWorkTimeout) => {
      // END is answered once the last block is inflated and written out.
      const end = commands.flashDeflEnd(false);
      return { ...end, timeoutMs: Math.max(end.timeoutMs, endWorkTimeout()) };
    },
  };
}

function plainPlan(d: LoaderDialect, region: Range, bytes: Uint8Array, blockSize: number): RegionPlan {
  const blocks = Math.ceil(bytes.length / blockSize);
  const eraseSize = d.eraseSizeBug ? esp8266EraseSize(region.offset, bytes.length) : bytes.length;
  return {
    payload: bytes,
    begin: commands.flashBegin(d, eraseSize, blocks, blockSize, region.offset),
    flashSizes: new Array<number>(blocks).fill(blockSize),
    padBlocks: true,
    data: commands.flashData,
    end: () => commands.flashEnd(false),
  };
}

function padded(chunk: Uint8Array, size: number): Uint8Array {
  if (chunk.length === size) return chunk;
  const block = new Uint8Array(size).fill(0xff);
  block.set(chunk);
  return block;
}

/**
 * Errors with which a loader refuses a data frame *as a frame* (its length or checksum is wrong, as after
 * a byte garbled on the line) without touching its write state: ROM 0x05 / 0x07, stub 0xC0 / 0xC1
 * (stub_flasher.c checks them before it hands the block on; its sticky errors, such as an inflate error,
 * come through get_flash_error and are not in this set). Such a block can simply be sent again.
 */
const FRAME_REFUSED_ERRORS: ReadonlySet<number> = new Set([0x05, 0x07, 0xc0, 0xc1]);
/** Times one block is sent again before the region as a whole is given up (and restarted by the caller). */
const BLOCK_RESENDS = 2;
/** After a lost acknowledgement, wait for this much quiet so a late reply is not taken for the next. */
const RESEND_QUIET_MS = 20;

function frameRefused(e: unknown): boolean {
  if (isUpyflashError(e, 'TIMEOUT')) return true;
  if (!isUpyflashError(e, 'ROM_ERROR')) return false;
  const error = (e.details as { error?: unknown } | undefined)?.error;
  return typeof error === 'number' && FRAME_REFUSED_ERRORS.has(error);
}

/**
 * Sends data blocks keeping up to `window` unacknowledged, so the next block is already on the wire
 * while the chip acknowledges the previous one. Acks come back in order. With one block in flight, a
 * block the loader refused as a frame (or never answered) is sent again on the spot, so a garbled byte
 * costs one block, not the region; anything the resend cannot fix is caught by the region's MD5.
 */
async function sendPipelined(
  link: LoaderLink,
  count: number,
  block: (seq: number) => Command,
  window: number,
  onAck: (acked: number) => void,
  timeouts: BlockTimeouts | undefined,
): Promise<void> {
  let sent = 0;
  let acked = 0;
  const pending: Command[] = [];
  let resends = 0;
  while (acked < count) {
    while (sent < count && sent - acked < Math.max(1, window)) {
      const c = block(sent);
      pending.push(c);
      await link.send(c);
      sent++;
    }
    const c = pending[0]!;
    try {
      await link.expect(c);
    } catch (e) {
      if (isUpyflashError(e, 'TIMEOUT')) timeouts?.timedOut();
      if (window <= 1 && resends < BLOCK_RESENDS && frameRefused(e)) {
        resends++;
        if (isUpyflashError(e, 'TIMEOUT')) {
          await link.drain(RESEND_QUIET_MS);
          link.reset();
        }
        await link.send(c);
        continue;
      }
      // The loader does support data blocks: an "unsupported" answer here is a garbled frame.
      if (isUpyflashError(e, 'UNSUPPORTED_COMMAND')) throw new UpyflashError('PROTOCOL_ERROR', `Garbled reply to data block ${acked}`, { cause: e });
      throw e;
    }
    pending.shift();
    resends = 0;
    acked++;
    onAck(acked);
  }
}

/** SLIP framing, command header and data header around a data block's bytes (escapes not counted). */
const DATA_FRAME_OVERHEAD = 2 + 8 + 16;

/**
 * Inflated bytes the loader writes between receiving block `seq` and acknowledging it: the stub acks on
 * receipt, once it has finished the previous block (and may flush up to 32 KiB it held back); a ROM
 * writes the block itself first. `seq` = block count stands for FLASH_*_END.
 */
function flashWorkBeforeAck(d: LoaderDialect, inflated: readonly number[], seq: number): number {
  if (!d.supportsStubCommands) return inflated[seq] ?? 0;
  return (seq > 0 ? (inflated[seq - 1] ?? 0) : 0) + STUB_HELD_OUTPUT;
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

/**
 * Erases [offset, offset+size): ERASE_REGION through the stub; a ROM erases what FLASH_BEGIN announces,
 * so announcing the region with no data blocks erases just it (esptool's erase_region without a stub).
 */
export async function eraseRegion(link: LoaderLink, offset: number, size: number): Promise<void> {
  const d = requireDialect(link);
  if (d.supportsStubCommands) {
    await link.command(commands.eraseRegion(offset, size));
    return;
  }
  const eraseSize = d.eraseSizeBug ? esp8266EraseSize(offset, size) : size;
  await link.command(commands.flashBegin(d, eraseSize, 0, d.flashBlockSize, offset));
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
