import { BLOCK64K_SIZE, FlashMemory, PAGE_SIZE, SECTOR_SIZE, W25Q32JV_TYPICAL } from '../src/virtual-board/flash-memory.js';

/**
 * Modeled busy time of the flash chip for a stub write of these regions: the stub's erase-ahead plan
 * (stub_write_flash.c start_next_erase: single sectors up to a 64 KiB boundary, 64 KiB blocks while a
 * whole block is left, then sectors) plus one page program per 256 bytes, at the virtual board's
 * datasheet timings. No client can finish a write faster than this, whatever the baud rate: it is the
 * flash-bound ceiling printed beside the wire limit.
 */
export function modeledFlashBusySeconds(regions: readonly { offset: number; length: number }[], flashBytes: number): number {
  const flash = new FlashMemory(flashBytes, { timing: W25Q32JV_TYPICAL });
  for (const r of regions) {
    let sector = Math.floor(r.offset / SECTOR_SIZE);
    let left = Math.ceil(((r.offset % SECTOR_SIZE) + r.length) / SECTOR_SIZE);
    const perBlock = BLOCK64K_SIZE / SECTOR_SIZE;
    while (left > 0) {
      if (left >= perBlock && sector % perBlock === 0) {
        flash.eraseBlock64k(sector * SECTOR_SIZE);
        sector += perBlock;
        left -= perBlock;
      } else {
        flash.eraseSector(sector * SECTOR_SIZE);
        sector++;
        left--;
      }
    }
    // The stub writes in 32 KiB pieces; pages split at piece edges cost one program each, as counted here.
    for (let at = r.offset; at < r.offset + r.length; at += PAGE_SIZE) {
      flash.program(at, new Uint8Array(Math.min(PAGE_SIZE, r.offset + r.length - at)).fill(0xff));
    }
  }
  return flash.takeCostMs() / 1000;
}
