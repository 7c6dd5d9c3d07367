import { BLOCK64K_SIZE, FlashMemory, PAGE_SIZE, SECTOR_SIZE, W25Q32JV_TYPICAL } from '../src/virtual-board/flash-memory.js';

/**
 * Flash time: the modeled busy time of the flash chip for a stub write of these regions, the way the
 * virtual board's esp-flasher-stub v1.2 does it (flash-write-session.ts): per region, sectors are read
 * and skipped while blank (s_conditional_erase_next) until the first one that is not; from there the
 * erase-ahead plan (single sectors up to a 64 KiB boundary, 64 KiB blocks while a whole block is left,
 * then sectors); plus one page program per 256 bytes, at the virtual board's datasheet timings.
 * `prior` is what the flash held before the job (blank when omitted), as bytes from address 0.
 * No client can finish a write faster than this, whatever the baud rate.
 */
export function modeledFlashBusySeconds(regions: readonly { offset: number; length: number }[], flashBytes: number, prior?: Uint8Array): number {
  const flash = new FlashMemory(flashBytes, { timing: W25Q32JV_TYPICAL });
  if (prior) {
    flash.program(0, prior);
    flash.takeCostMs();
  }
  const perBlock = BLOCK64K_SIZE / SECTOR_SIZE;
  let ms = 0;
  for (const r of regions) {
    let sector = Math.floor(r.offset / SECTOR_SIZE);
    let left = Math.ceil(((r.offset % SECTOR_SIZE) + r.length) / SECTOR_SIZE);
    while (left > 0 && flash.isErased(sector * SECTOR_SIZE, SECTOR_SIZE)) {
      ms += flash.readTimeMs(SECTOR_SIZE);
      sector++;
      left--;
    }
    if (left > 0) ms += flash.readTimeMs(SECTOR_SIZE);
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
  return (ms + flash.takeCostMs()) / 1000;
}
