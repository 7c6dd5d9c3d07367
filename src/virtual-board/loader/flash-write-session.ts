import { concatBytes } from '../../platform/bytes.js';
import type { FlashWriteFaults } from '../flash-faults.js';
import { BLOCK64K_SIZE, SECTOR_SIZE, type FlashMemory } from '../flash-memory.js';
import { StreamInflater } from './inflater.js';
import { ROM_ERR, STUB_ERR } from './reply.js';
import type { WorkClock } from './work-clock.js';

/**
 * FLASH_BEGIN/DATA/END and FLASH_DEFL_BEGIN/DATA/END, the two ways the loaders do them.
 *
 * ROM: BEGIN erases the whole region before it answers; each DATA block is written (and read back)
 * before it is acknowledged, so the host pays flash time on every round trip.
 * Stub (stub_write_flash.c; esp-flasher-stub command_handler.c): DATA is acknowledged when the main
 * loop takes it and written afterwards while the next block crosses the wire; erasing runs ahead of
 * writing, a 64 KiB block at a time where aligned, started without waiting so it overlaps inflating.
 * esp-flasher-stub v1.1+ also reads each sector before erasing it and skips blank ones until the first
 * dirty sector (s_conditional_erase_next).
 */

export interface FlashPlan {
  eraseSize: number;
  blocks: number;
  blockSize: number;
  offset: number;
}

const SECTORS_PER_BLOCK = BLOCK64K_SIZE / SECTOR_SIZE;
/** The stub inflates into a 32 KiB buffer and writes it when full (or when the stream is done). */
const STUB_INFLATE_BUFFER = 32 * 1024;
/** Largest data block the stub takes (MAX_WRITE_BLOCK). */
export const STUB_MAX_WRITE_BLOCK = 0x4000;

export class RomFlashWriter {
  private active = false;
  private compressed = false;
  private nextSeq = 0;
  private writeAt = 0;
  private end = 0;
  private inflater: StreamInflater | undefined;
  private blocks = 0;

  constructor(
    private readonly flash: FlashMemory,
    private readonly clock: WorkClock,
    private readonly eraseSizeBug: boolean,
    private readonly faults?: FlashWriteFaults,
  ) {}

  /** Returns a ROM error code, 0 when done. */
  begin(plan: FlashPlan, compressed: boolean): number {
    if (plan.offset > this.flash.size) return ROM_ERR.INVALID_MESSAGE;
    const [start, length] = this.eraseSizeBug ? esp8266RomEraseRange(plan.offset, plan.eraseSize) : [plan.offset, plan.eraseSize];
    const clipped = Math.max(0, Math.min(length, this.flash.size - start));
    this.flash.eraseRange(start, clipped);
    this.clock.flashBlocking(this.flash.takeCostMs());
    this.active = true;
    this.compressed = compressed;
    this.nextSeq = 0;
    this.blocks = plan.blocks;
    this.writeAt = plan.offset;
    this.end = plan.offset + plan.eraseSize;
    this.inflater = compressed ? new StreamInflater() : undefined;
    return 0;
  }

  data(seq: number, block: Uint8Array, compressed: boolean): number {
    if (!this.active || compressed !== this.compressed) return ROM_ERR.INVALID_MESSAGE;
    if (seq !== this.nextSeq) return ROM_ERR.INVALID_MESSAGE;
    this.nextSeq++;
    let bytes: Uint8Array | undefined = block;
    if (this.inflater) {
      bytes = this.inflater.push(block);
      if (!bytes) return ROM_ERR.DEFLATE;
    }
    const error = this.write(bytes);
    if (error === 0 && this.nextSeq === this.blocks) this.faults?.regionWritten(this.flash, this.writeAt);
    return error;
  }

  finish(): number {
    if (!this.active) return ROM_ERR.INVALID_MESSAGE;
    this.active = false;
    return 0;
  }

  get inProgress(): boolean {
    return this.active;
  }

  /** Writes and reads back, as the ROM does; a mismatch (writing over unerased flash) is error 0x08. */
  private write(bytes: Uint8Array): number {
    if (bytes.length === 0) return 0;
    if (this.writeAt + bytes.length > this.flash.size) return ROM_ERR.FLASH_WRITE;
    this.flash.program(this.writeAt, bytes);
    this.clock.flashBlocking(this.flash.takeCostMs());
    const back = this.flash.read(this.writeAt, bytes.length);
    this.writeAt += bytes.length;
    for (let i = 0; i < bytes.length; i++) if (back[i] !== bytes[i]) return ROM_ERR.FLASH_WRITE;
    return 0;
  }

  /** Where the current session would write next, and its planned end (for tests and diagnostics). */
  get position(): { writeAt: number; end: number } {
    return { writeAt: this.writeAt, end: this.end };
  }
}

/**
 * What the ESP8266 ROM really erases when FLASH_BEGIN asks for `size` bytes at `offset`: its
 * SPIEraseArea erases the sectors up to the next 64 KiB boundary ("head") and then the full requested
 * count again instead of the remainder, so it erases head + requested sectors. esptool's
 * get_erase_size (targets/esp8266.py) is the inverse of this.
 */
export function esp8266RomEraseRange(offset: number, size: number): [number, number] {
  const requested = Math.ceil(size / SECTOR_SIZE);
  if (requested === 0) return [offset, 0];
  const startSector = Math.floor(offset / SECTOR_SIZE);
  const head = Math.min(SECTORS_PER_BLOCK - (startSector % SECTORS_PER_BLOCK), requested);
  return [startSector * SECTOR_SIZE, (head + requested) * SECTOR_SIZE];
}

/** Where the stub families differ in writing (stub-families.ts). */
export interface StubWriteOptions {
  /** Read each sector before erasing it; skip blank ones until the first dirty one. */
  readonly blankSectorSkip: boolean;
  /** Erase as far as a write's end ('end', s_ensure_flash_erased_to) or through its end's sector ('sector'). */
  readonly eraseAhead: 'end' | 'sector';
  /** BEGIN starts the first erase at once (esp-flasher-stub s_init_flash_operation). */
  readonly eraseOnBegin: boolean;
  /** Injected writes outside the regions asked for (tests). */
  readonly faults?: FlashWriteFaults;
}

export const LEGACY_WRITE: StubWriteOptions = { blankSectorSkip: false, eraseAhead: 'sector', eraseOnBegin: false };

export class StubFlashWriter {
  private inFlashMode = false;
  /** A non-blank sector was met since BEGIN: erase the rest without reading (s_dirty_seen). */
  private dirtySeen = false;
  private nextWrite = 0;
  private nextEraseSector = 0;
  private remaining = 0;
  private remainingEraseSectors = 0;
  private lastError = 0;
  private inflater: StreamInflater | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** The deflate stream lost input (see inputOverrun): tinfl's failure state is sticky. */
  private streamBroken = false;
  private lastWrite: { offset: number; length: number } | undefined;

  constructor(
    private readonly flash: FlashMemory,
    private readonly clock: WorkClock,
    private readonly opts: StubWriteOptions = LEGACY_WRITE,
  ) {}

  /**
   * The receive buffer of the block just handled was overwritten while the stub was still reading it
   * (a host with too many blocks in flight, stub-rx-buffers.ts). Compressed: the inflater read garbage,
   * which tinfl reports as a failure the next acknowledgement carries (its output so far is lost).
   * Uncompressed: SPIWrite programmed part of the new frame instead, silently.
   */
  inputOverrun(): void {
    if (!this.inFlashMode) return;
    if (this.inflater) {
      this.breakStream();
      return;
    }
    if (this.lastWrite && this.lastWrite.length > 0) {
      this.flash.program(this.lastWrite.offset, new Uint8Array(this.lastWrite.length));
      this.clock.flashBlocking(this.flash.takeCostMs());
    }
  }

  /**
   * A data block never reached the main loop. The stub does not check sequence numbers: an uncompressed
   * write simply lands the next block where this one belonged (nothing to model); a deflate stream with
   * a hole in it fails to inflate.
   */
  blockLost(): void {
    if (this.inFlashMode && this.inflater) this.breakStream();
  }

  private breakStream(): void {
    this.streamBroken = true;
    this.lastError = STUB_ERR.INFLATE_ERROR;
    this.pending = [];
    this.pendingBytes = 0;
  }

  begin(totalSize: number, offset: number, compressed: boolean): number {
    this.inFlashMode = true;
    this.nextWrite = offset;
    this.nextEraseSector = Math.floor(offset / SECTOR_SIZE);
    this.remaining = totalSize;
    this.remainingEraseSectors = Math.ceil(((offset % SECTOR_SIZE) + totalSize) / SECTOR_SIZE);
    this.lastError = 0;
    this.inflater = compressed ? new StreamInflater() : undefined;
    this.pending = [];
    this.pendingBytes = 0;
    this.streamBroken = false;
    this.lastWrite = undefined;
    this.dirtySeen = false;
    if (this.opts.eraseOnBegin) this.startNextErase(false);
    return this.lastError;
  }

  get active(): boolean {
    return this.inFlashMode;
  }

  /** The error the acknowledgement of a data block carries: the last write's, or this block's own. */
  ackError(declaredLength: number, payload: Uint8Array, checksumOk: boolean): number {
    if (!this.inFlashMode) return STUB_ERR.NOT_IN_FLASH_MODE;
    let error = this.lastError;
    if (declaredLength !== payload.length) error = STUB_ERR.BAD_DATA_LEN;
    if (!checksumOk) error = STUB_ERR.BAD_DATA_CHECKSUM;
    return error;
  }

  /** Uncompressed block, after its acknowledgement; returns the error it ran into (0: none). */
  writeBlock(block: Uint8Array): number {
    return this.blockError(() => this.writeOut(block));
  }

  /** Compressed block, after its acknowledgement; returns the error it ran into (0: none). */
  writeCompressed(block: Uint8Array): number {
    return this.blockError(() => this.inflateAndWrite(block));
  }

  /** Runs one block's write and returns its own error; an earlier error stays recorded unless it has a new one. */
  private blockError(write: () => void): number {
    const before = this.lastError;
    this.lastError = 0;
    write();
    const error = this.lastError;
    this.lastError = error || before;
    return error;
  }

  private inflateAndWrite(block: Uint8Array): void {
    if (!this.inflater) {
      this.lastError = STUB_ERR.NOT_IN_FLASH_MODE;
      return;
    }
    if (this.streamBroken) {
      this.lastError = STUB_ERR.INFLATE_ERROR;
      return;
    }
    // Once all output is written only the trailing Adler-32 may still come.
    if (this.remaining === 0 && block.length > 4) {
      this.lastError = STUB_ERR.TOO_MUCH_DATA;
      return;
    }
    this.startNextErase(false);
    const out = this.inflater.push(block);
    if (!out) {
      this.lastError = STUB_ERR.INFLATE_ERROR;
      return;
    }
    this.pending.push(out);
    this.pendingBytes += out.length;
    const done = this.pendingBytes >= this.remaining;
    while (this.pendingBytes >= STUB_INFLATE_BUFFER || (done && this.pendingBytes > 0)) {
      const take = Math.min(STUB_INFLATE_BUFFER, this.pendingBytes);
      this.writeOut(this.takePending(take));
      if (this.pendingBytes > 0) this.startNextErase(false);
    }
  }

  /** FLASH_END: `shortError` is what the family answers when data is still missing. */
  finish(shortError: number = STUB_ERR.NOT_ENOUGH_DATA): number {
    if (!this.inFlashMode) return STUB_ERR.NOT_IN_FLASH_MODE;
    if (this.remaining > 0) return shortError;
    this.inFlashMode = false;
    return this.lastError;
  }

  private takePending(n: number): Uint8Array {
    const all = concatBytes(this.pending);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    return head;
  }

  /** handle_flash_data: erase at least as far as this write reaches, wait for the flash, program. */
  private writeOut(data: Uint8Array): void {
    const length = Math.min(data.length, this.remaining);
    if (length === 0) return;
    const end = this.nextWrite + length;
    const needed = this.opts.eraseAhead === 'end' ? (s: number) => s * SECTOR_SIZE < end : (s: number) => s <= Math.floor(end / SECTOR_SIZE);
    while (this.remainingEraseSectors > 0 && needed(this.nextEraseSector)) this.startNextErase(true);
    if (this.nextWrite + length > this.flash.size) {
      this.lastError = STUB_ERR.FAILED_SPI_OP;
    } else {
      this.flash.program(this.nextWrite, data.subarray(0, length));
      this.clock.flashBlocking(this.flash.takeCostMs());
      this.lastWrite = { offset: this.nextWrite, length };
    }
    this.nextWrite += length;
    this.remaining -= length;
    if (this.remaining === 0 && this.lastError === 0) this.opts.faults?.regionWritten(this.flash, this.nextWrite);
  }

  /**
   * start_next_erase: one 64 KiB block when aligned and enough is left, else one sector. The
   * opportunistic call skips when the flash is still busy; the call before a write waits for it.
   */
  private startNextErase(wait: boolean): void {
    if (this.remainingEraseSectors === 0) return;
    if (!wait && this.clock.flashBusy()) return;
    if (this.opts.blankSectorSkip && !this.dirtySeen && this.skipBlankSector()) return;
    const block = this.remainingEraseSectors >= SECTORS_PER_BLOCK && this.nextEraseSector % SECTORS_PER_BLOCK === 0;
    const addr = this.nextEraseSector * SECTOR_SIZE;
    if (addr < this.flash.size) {
      if (block) this.flash.eraseBlock64k(addr);
      else this.flash.eraseSector(addr);
      this.clock.flashStart(this.flash.takeCostMs());
    } else {
      this.lastError = STUB_ERR.FAILED_SPI_OP;
    }
    const n = block ? SECTORS_PER_BLOCK : 1;
    this.remainingEraseSectors -= n;
    this.nextEraseSector += n;
  }

  /**
   * s_sector_is_blank: the CPU reads the next sector (a 4 KiB SPI read it waits for); all 0xFF means no
   * erase is needed. The first dirty sector latches dirtySeen, after which nothing is read again.
   */
  private skipBlankSector(): boolean {
    const addr = this.nextEraseSector * SECTOR_SIZE;
    if (addr + SECTOR_SIZE > this.flash.size) return false;
    this.clock.flashBlocking(this.flash.readTimeMs(SECTOR_SIZE));
    if (!this.flash.isErased(addr, SECTOR_SIZE)) {
      this.dirtySeen = true;
      return false;
    }
    this.remainingEraseSectors--;
    this.nextEraseSector++;
    return true;
  }
}
