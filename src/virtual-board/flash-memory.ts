import { UpyflashError } from '../errors.js';

/**
 * The virtual board's SPI NOR flash. NOR semantics matter because the client's correctness depends on
 * them: programming can only clear bits (so writing without erasing corrupts data, as on a real chip),
 * and erasing works on whole 4 KiB sectors or 64 KiB blocks. Browser-safe: persistence is a plug-in.
 */

export const SECTOR_SIZE = 0x1000;
export const BLOCK64K_SIZE = 0x10000;
export const PAGE_SIZE = 0x100;

/** Persistence adapter (the board's Node file store, or nothing in the browser). */
export interface FlashStore {
  load(size: number): Uint8Array | undefined;
  save(data: Uint8Array, dirty: { offset: number; length: number }[]): void;
}

/**
 * Busy times of the flash chip. Defaults are the *typical* values of the Winbond W25Q32JV datasheet
 * (rev. H, AC electrical characteristics: tSE 45 ms, tBE2 150 ms, tPP 0.4 ms, tCE 10 s for 4 MB), the
 * 4 MB part on many ESP32 modules; GigaDevice GD25Q32 and the ESP8266's modules' parts are alike.
 */
export interface FlashTiming {
  sectorEraseMs: number;
  block64kEraseMs: number;
  pageProgramMs: number;
  chipEraseMsPerMB: number;
  /** Reading through the SPI controller (not a datasheet busy time: the bus rate bounds it). Default 0.1. */
  readMsPerKiB?: number;
}

/** 40 MHz SPI clock, dual I/O (the ROM's default DIO): 80 Mbit/s, 10 MB/s, so 0.1 ms per KiB. */
const DEFAULT_READ_MS_PER_KIB = 0.1;

export const W25Q32JV_TYPICAL: FlashTiming = {
  sectorEraseMs: 45,
  block64kEraseMs: 150,
  pageProgramMs: 0.4,
  chipEraseMsPerMB: 2500,
  readMsPerKiB: DEFAULT_READ_MS_PER_KIB,
};

export class FlashMemory {
  readonly size: number;
  readonly timing: FlashTiming | false;
  private readonly data: Uint8Array;
  private readonly store: FlashStore | undefined;
  private dirty: { offset: number; length: number }[] = [];
  private costMs = 0;

  constructor(size: number, opts: { store?: FlashStore; timing?: FlashTiming | false } = {}) {
    if (!Number.isInteger(size) || size <= 0 || size % SECTOR_SIZE !== 0) {
      throw new UpyflashError('BAD_ARGUMENT', `Flash size must be a positive multiple of 4 KiB, not ${size}`);
    }
    this.size = size;
    this.store = opts.store;
    this.timing = opts.timing === undefined ? W25Q32JV_TYPICAL : opts.timing;
    const loaded = this.store?.load(size);
    this.data = new Uint8Array(size).fill(0xff);
    // A store may hold an image of another size (the board was configured differently): keep what fits.
    if (loaded) this.data.set(loaded.subarray(0, size));
  }

  read(offset: number, length: number): Uint8Array {
    this.checkRange(offset, length, 'read');
    return this.data.slice(offset, offset + length);
  }

  /** True when every byte of the range reads 0xFF (erased). */
  isErased(offset: number, length: number): boolean {
    this.checkRange(offset, length, 'read');
    for (let i = offset; i < offset + length; i++) if (this.data[i] !== 0xff) return false;
    return true;
  }

  /** Modeled time a read of `length` bytes keeps the bus busy (0 with `timing: false`); not accumulated. */
  readTimeMs(length: number): number {
    return this.timing ? ((this.timing.readMsPerKiB ?? DEFAULT_READ_MS_PER_KIB) * length) / 1024 : 0;
  }

  /** NOR page program: each bit can only go from 1 to 0 (the result is old AND new). */
  program(offset: number, data: Uint8Array): void {
    this.checkRange(offset, data.length, 'program');
    for (let i = 0; i < data.length; i++) this.data[offset + i]! &= data[i]!;
    if (data.length > 0) {
      this.markDirty(offset, data.length);
      const firstPage = Math.floor(offset / PAGE_SIZE);
      const lastPage = Math.floor((offset + data.length - 1) / PAGE_SIZE);
      this.addCost((t) => (lastPage - firstPage + 1) * t.pageProgramMs);
    }
  }

  /** Erases the 4 KiB sector that contains `offset`. */
  eraseSector(offset: number): void {
    this.checkRange(offset, 1, 'erase');
    const start = offset - (offset % SECTOR_SIZE);
    this.fillErased(start, SECTOR_SIZE);
    this.addCost((t) => t.sectorEraseMs);
  }

  /** Erases the 64 KiB block that contains `offset`. */
  eraseBlock64k(offset: number): void {
    this.checkRange(offset, 1, 'erase');
    const start = offset - (offset % BLOCK64K_SIZE);
    this.fillErased(start, Math.min(BLOCK64K_SIZE, this.size - start));
    this.addCost((t) => t.block64kEraseMs);
  }

  eraseAll(): void {
    this.fillErased(0, this.size);
    this.addCost((t) => (t.chipEraseMsPerMB * this.size) / (1024 * 1024));
  }

  /** Erases [offset, offset+length) rounded out to whole sectors, using 64 KiB blocks where aligned. */
  eraseRange(offset: number, length: number): void {
    if (length <= 0) return;
    let at = offset - (offset % SECTOR_SIZE);
    const end = Math.min(this.size, Math.ceil((offset + length) / SECTOR_SIZE) * SECTOR_SIZE);
    this.checkRange(at, end - at, 'erase');
    while (at < end) {
      if (at % BLOCK64K_SIZE === 0 && end - at >= BLOCK64K_SIZE) {
        this.eraseBlock64k(at);
        at += BLOCK64K_SIZE;
      } else {
        this.eraseSector(at);
        at += SECTOR_SIZE;
      }
    }
  }

  /** Hands the ranges changed since the last flush to the store. */
  flush(): void {
    if (!this.store || this.dirty.length === 0) return;
    const dirty = mergeRanges(this.dirty);
    this.dirty = [];
    this.store.save(this.data, dirty);
  }

  /**
   * Modeled time (ms) the operations since the last call cost the flash chip, then starts counting
   * afresh. Always 0 with `timing: false`.
   */
  takeCostMs(): number {
    const c = this.costMs;
    this.costMs = 0;
    return c;
  }

  private addCost(f: (t: FlashTiming) => number): void {
    if (this.timing) this.costMs += f(this.timing);
  }

  private fillErased(start: number, length: number): void {
    this.data.fill(0xff, start, start + length);
    this.markDirty(start, length);
  }

  private markDirty(offset: number, length: number): void {
    const last = this.dirty[this.dirty.length - 1];
    if (last && last.offset + last.length === offset) last.length += length;
    else this.dirty.push({ offset, length });
  }

  private checkRange(offset: number, length: number, what: string): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new UpyflashError('BAD_ARGUMENT', `Flash ${what} out of range: 0x${offset.toString(16)}+0x${length.toString(16)} (flash size 0x${this.size.toString(16)})`, {
        details: { offset, length, size: this.size },
      });
    }
  }
}

function mergeRanges(ranges: { offset: number; length: number }[]): { offset: number; length: number }[] {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  const out: { offset: number; length: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.length) {
      last.length = Math.max(last.length, r.offset + r.length - last.offset);
    } else out.push({ ...r });
  }
  return out;
}
