import type { FlashMemory } from './flash-memory.js';

/**
 * Writes that land where no region asked for them, for tests of the client's final check. Modelled on
 * what the trace `esp32-rom-multiregion-write` recorded from Espressif's ESP32 ROM in one emulator build:
 * after a compressed region was written and its own MD5 matched, the sector right after the region held
 * bytes nobody sent there (zeros, or data of an earlier region). No Espressif document describes this,
 * and the same ROM code left the flash right in another emulator build, so the board never does it on
 * its own: only `--fault stray-write[:N]` turns it on.
 */
export interface FlashWriteFaults {
  /** A region's last byte was programmed; `end` is the first address after it. */
  regionWritten(flash: FlashMemory, end: number): void;
}

const SECTOR = 0x1000;

/** The first `count` regions written each leave a sector of zeros right after their end (Infinity: every region). */
export class StrayWrites implements FlashWriteFaults {
  private left: number;

  constructor(count: number) {
    this.left = count;
  }

  regionWritten(flash: FlashMemory, end: number): void {
    if (this.left <= 0) return;
    const at = Math.ceil(end / SECTOR) * SECTOR;
    if (at + SECTOR > flash.size) return;
    this.left--;
    // NOR programming only clears bits: zeros land whatever the sector held.
    flash.program(at, new Uint8Array(SECTOR));
  }
}

/** "stray-write" (once) or "stray-write:N" / "stray-write:always". Undefined for an unknown fault. */
export function parseFlashFault(text: string): FlashWriteFaults | undefined {
  const m = /^stray-write(?::(\d+|always))?$/.exec(text.trim());
  if (!m) return undefined;
  const count = m[1] === undefined ? 1 : m[1] === 'always' ? Number.POSITIVE_INFINITY : Number(m[1]);
  return new StrayWrites(count);
}

export const FLASH_FAULTS = ['stray-write', 'stray-write:N', 'stray-write:always'] as const;
