/**
 * What the board would run after a normal boot: the application image in flash, and the MicroPython
 * banner strings it holds. A real ESP32 boots the app named by the partition table (the ESP8266 ROM
 * boots the image at 0); the banner it prints is compiled into that image, so reading it from flash is
 * what makes the virtual board announce the version that was actually flashed.
 */
import type { ChipSpec } from '../../chips/types.js';
import { findMicroPythonBanner, type MicroPythonBanner } from '../../image/banner.js';
import { parseEsp8266Trailer } from '../../image/esp8266-layout.js';
import { imageIntact, parseEspImage } from '../../image/esp-image.js';
import {
  PARTITION_TABLE_MAX_LEN,
  PARTITION_TABLE_OFFSET,
  PARTITION_TYPE_APP,
  looksLikePartitionTable,
  parsePartitionTable,
} from '../../image/partition-table.js';
import type { FlashView } from '../app-runtime.js';

/** Largest app we look at; MicroPython apps are about 1.5-2 MiB. */
const MAX_APP_BYTES = 0x400000;

export interface FlashedApp {
  offset: number;
  length: number;
}

/** The bootable app image, or undefined when the flash holds none a bootloader would start. */
export function findFlashedApp(chip: ChipSpec, flash: FlashView): FlashedApp | undefined {
  const offset = appOffset(chip, flash);
  if (offset >= flash.size) return undefined;
  const bytes = flash.read(offset, Math.min(MAX_APP_BYTES, flash.size - offset));
  try {
    const image = parseEspImage(bytes, chip.imageFormat);
    if (!imageIntact(image)) return undefined;
    // MicroPython's ESP8266 layout keeps the flash-mapped code (and its strings) after the ROM image.
    const trailer = chip.imageFormat === 'esp8266' ? parseEsp8266Trailer(bytes, image.length) : undefined;
    return { offset, length: trailer?.totalLength ?? image.length };
  } catch {
    return undefined;
  }
}

/** The MicroPython banner compiled into the flashed app; undefined for a blank chip or another program. */
export function flashedMicroPython(chip: ChipSpec, flash: FlashView): MicroPythonBanner | undefined {
  const app = findFlashedApp(chip, flash);
  if (!app) return undefined;
  const found = findMicroPythonBanner(flash.read(app.offset, app.length));
  return found && found.boardName !== '' ? found : undefined;
}

function appOffset(chip: ChipSpec, flash: FlashView): number {
  if (flash.size >= PARTITION_TABLE_OFFSET + PARTITION_TABLE_MAX_LEN) {
    const bytes = flash.read(PARTITION_TABLE_OFFSET, PARTITION_TABLE_MAX_LEN);
    if (looksLikePartitionTable(bytes)) {
      try {
        const app = parsePartitionTable(bytes).find((p) => p.type === PARTITION_TYPE_APP);
        if (app) return app.offset;
      } catch {
        // A damaged table: the bootloader falls back to nothing useful; so do we.
        return flash.size;
      }
    }
  }
  return chip.appOffset;
}
