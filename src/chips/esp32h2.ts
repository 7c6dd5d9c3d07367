import { ESP32_FLASH_SIZES, NEWER_ROM_DIALECT, STUB_DIALECT, newerSpi } from './dialects.js';
import type { ChipSpec } from './types.js';

/** esptool targets/esp32h2.py (an ESP32-C6 descendant) and esptool-js targets/esp32h2.ts. */
export const ESP32H2: ChipSpec = {
  id: 'esp32h2',
  name: 'ESP32-H2',
  mcuName: 'ESP32-H2',
  imageFormat: 'esp32',
  magicValues: [0xd7b73e80],
  imageChipId: 16,
  bootloaderOffset: 0x0,
  appOffset: 0x10000,
  rom: NEWER_ROM_DIALECT,
  stub: STUB_DIALECT,
  stubFile: 'esp32h2.json',
  flashSizes: ESP32_FLASH_SIZES,
  // Flash clock from a 48 MHz source.
  flashFrequencies: { '48m': 0xf, '24m': 0x0, '16m': 0x1, '12m': 0x2 },
  spi: newerSpi(0x60003000),
  uartClkdivReg: 0x60000014,
  mac: { layout: 'words', regs: [0x600b0844, 0x600b0844 + 4] },
  crystalsMHz: [32],
  defaultFlashBytes: 4 * 1024 * 1024,
  micropython: { board: 'ESP32_GENERIC_H2', boardName: 'ESP32H2 module' },
};
