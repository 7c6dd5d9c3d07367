import { ESP32_FLASH_SIZES, NEWER_ROM_DIALECT, STUB_DIALECT, newerSpi } from './dialects.js';
import type { ChipSpec } from './types.js';

/** esptool targets/esp32c5.py and esptool-js targets/esp32c5.ts. */
export const ESP32C5: ChipSpec = {
  id: 'esp32c5',
  name: 'ESP32-C5',
  mcuName: 'ESP32-C5',
  imageFormat: 'esp32',
  magicValues: [0x1101406f, 0x63e1406f, 0x5fd1406f, 0x30e1706f],
  imageChipId: 23,
  // The first two sectors are reserved (esptool BOOTLOADER_FLASH_OFFSET).
  bootloaderOffset: 0x2000,
  appOffset: 0x10000,
  rom: NEWER_ROM_DIALECT,
  stub: STUB_DIALECT,
  stubFile: 'esp32c5.json',
  flashSizes: ESP32_FLASH_SIZES,
  flashFrequencies: { '80m': 0xf, '40m': 0x0, '20m': 0x2 },
  spi: newerSpi(0x60003000),
  uartClkdivReg: 0x60000014,
  mac: { layout: 'words', regs: [0x600b4844, 0x600b4844 + 4] },
  crystalsMHz: [48, 40],
  // The ROM computes CHANGE_BAUDRATE for the crystal PCR_SYSCLK_CONF says, which can differ from the real one.
  romUartXtal: { reg: 0x60096110, shift: 24, mask: 0x7f },
  defaultFlashBytes: 4 * 1024 * 1024,
  micropython: { board: 'ESP32_GENERIC_C5', boardName: 'ESP32C5 module' },
};
