import { UpyflashError } from '../../errors.js';
import { formatSize } from '../spi-flash.js';
import { eraseChip, eraseRegion as eraseRange } from '../write.js';
import { type Session, requireFlashSize } from './link-state.js';
import { ensureStub } from './stub-life.js';

/** esptool erase_region's alignment: the flash erases 4 KiB sectors. */
const FLASH_SECTOR = 0x1000;

/** Erases the whole chip: ERASE_FLASH through the stub, FLASH_BEGIN over all of it through a ROM. */
export async function erase(s: Session): Promise<void> {
  await ensureStub(s);
  const size = requireFlashSize(s, 'erase');
  s.reporter.phase('erase', `Erasing ${formatSize(size)} of flash (this can take a while)...`);
  s.reporter.progress('erase', 0, size);
  await eraseChip(s.link, size);
  s.reporter.progress('erase', size, size);
  s.reporter.info('Chip erased');
}

/** Erases one sector-aligned region (esptool erase_region). */
export async function eraseRegion(s: Session, offset: number, size: number): Promise<void> {
  if (offset % FLASH_SECTOR !== 0 || size % FLASH_SECTOR !== 0 || size <= 0) {
    throw new UpyflashError('BAD_ARGUMENT', `erase-region needs a start and size that are multiples of 4096 (0x1000); got 0x${offset.toString(16)} and 0x${size.toString(16)}.`);
  }
  const flashSize = s.flashId?.sizeBytes;
  if (flashSize !== undefined && offset + size > flashSize) {
    throw new UpyflashError('BAD_ARGUMENT', `0x${offset.toString(16)} + 0x${size.toString(16)} is beyond the ${formatSize(flashSize)} flash.`);
  }
  await ensureStub(s);
  s.reporter.phase('erase', `Erasing ${formatSize(size)} at 0x${offset.toString(16)}...`);
  s.reporter.progress('erase', 0, size);
  await eraseRange(s.link, offset, size);
  s.reporter.progress('erase', size, size);
}
