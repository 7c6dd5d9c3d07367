import { Unzlib } from 'fflate';
import { ERASE_SECONDS_PER_MB } from '../protocol/commands.js';

/**
 * How long to wait for the acknowledgement of one data block. esptool waits at least 3 s (40 s/MB of
 * the block's inflated size), so a block whose frame was garbled on the line costs 3 s or more. What the
 * chip really needs is the block's own line time plus the flash work that comes before its ack: the
 * stub acknowledges block N when it has finished writing block N-1 (and up to 32 KiB of inflated output
 * it had held back), a ROM after writing block N itself. That flash work is charged at a typical-plus-
 * margin rate first; a timeout doubles the rate (up to esptool's 40 s/MB), so a chip with slow flash
 * costs a retry or two and then gets esptool's patience, while a lost byte on a healthy link costs well
 * under a second.
 */

/** Typical flash cost is ~4 s/MB (64 KiB block erases) and ~13 s/MB where 4 KiB sectors are erased. */
export const FIRST_FLASH_SECONDS_PER_MB = 16;
/** Line time is doubled: USB bridges and TCP relays add latency and bunch bytes. */
const WIRE_FACTOR = 2;
/** Host, driver and relay latency on top. */
const MARGIN_MS = 250;
/** Inflated output the stub may hold back before writing (its 32 KiB out_buf). */
export const STUB_HELD_OUTPUT = 32 * 1024;
const BITS_PER_BYTE = 10;

export class BlockTimeouts {
  private secondsPerMb = FIRST_FLASH_SECONDS_PER_MB;

  /** Milliseconds for a block of `frameBytes` on the wire at `baud`, behind `flashBytes` of flash work. */
  forBlock(frameBytes: number, baud: number, flashBytes: number): number {
    const wireMs = (frameBytes * BITS_PER_BYTE * 1000) / baud;
    const flashMs = (this.secondsPerMb * flashBytes) / 1000;
    return Math.ceil(WIRE_FACTOR * wireMs + flashMs + MARGIN_MS);
  }

  /** A block was not acknowledged in time: give the flash twice as long from now on. */
  timedOut(): void {
    this.secondsPerMb = Math.min(ERASE_SECONDS_PER_MB, this.secondsPerMb * 2);
  }

  get flashSecondsPerMb(): number {
    return this.secondsPerMb;
  }
}

/**
 * How many inflated bytes each `blockSize` slice of a zlib stream stands for (what the loader will write
 * for it), by inflating the stream on the host the way the loader does, block by block.
 */
export function inflatedBlockSizes(packed: Uint8Array, blockSize: number): number[] {
  const sizes: number[] = [];
  let produced = 0;
  const z = new Unzlib((chunk) => {
    produced += chunk.length;
  });
  for (let at = 0; at < packed.length; at += blockSize) {
    const end = Math.min(packed.length, at + blockSize);
    const before = produced;
    z.push(packed.subarray(at, end), end === packed.length);
    sizes.push(produced - before);
  }
  return sizes;
}
