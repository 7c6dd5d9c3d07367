import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';

/** esptool targets/esp32c5.py and esptool-js targets/esp32c5.ts. */
export const ESP32C5: ChipSpec = newerFamilyChip('esp32c5', {
  mcuName: 'ESP32-C5',
  magicValues: [0x1101406f, 0x63e1406f, 0x5fd1406f, 0x30e1706f],
  imageChipId: 23,
  // The first two sectors are reserved (esptool BOOTLOADER_FLASH_OFFSET).
  bootloaderOffset: 0x2000,
  flashFrequencies: { '80m': 0xf, '40m': 0x0, '20m': 0x2 },
  spiBase: 0x60003000,
  macReg: 0x600b4844,
  crystalsMHz: [48, 40],
  // The ROM computes CHANGE_BAUDRATE for the crystal PCR_SYSCLK_CONF says, which can differ from the real one.
  romUartXtal: { reg: 0x60096110, shift: 24, mask: 0x7f },
  boardName: 'ESP32C5 module',
});
