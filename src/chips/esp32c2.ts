import { ESP32_FLASH_SIZES, NEWER_ROM_DIALECT, STUB_DIALECT, newerSpi } from './dialects.js';
import type { ChipSpec } from './types.js';

/** esptool targets/esp32c2.py and esptool-js targets/esp32c2.ts (ESP8684 is the same die). */
export const ESP32C2: ChipSpec = {
  id: 'esp32c2',
  name: 'ESP32-C2',
  mcuName: 'ESP32-C2',
  imageFormat: 'esp32',
  // ECO0 and ECO1 (esptool); ECO4 as PROTOCOL-NOTES lists it. Detection prefers the chip id anyway.
  magicValues: [0x6f51306f, 0x7c41a06f, 0x0c21e06f],
  imageChipId: 12,
  bootloaderOffset: 0x0,
  appOffset: 0x10000,
  rom: NEWER_ROM_DIALECT,
  stub: STUB_DIALECT,
  stubFile: 'esp32c2.json',
  flashSizes: ESP32_FLASH_SIZES,
  // The C2's flash clock comes from a 60 MHz source: other names, same nibbles.
  flashFrequencies: { '60m': 0xf, '30m': 0x0, '20m': 0x1, '15m': 0x2 },
  spi: newerSpi(0x60002000),
  uartClkdivReg: 0x60000014,
  mac: { layout: 'words', regs: [0x60008840, 0x60008840 + 4] },
  // Most ESP8684 modules carry a 26 MHz crystal; 40 MHz exists too.
  crystalsMHz: [26, 40],
  // The ROM's CHANGE_BAUDRATE divides a 40 MHz clock whatever the crystal (esptool change_baud).
  romUartXtal: { assumedMHz: 40 },
  defaultFlashBytes: 4 * 1024 * 1024,
  micropython: { board: 'ESP32_GENERIC_C2', boardName: 'ESP32C2 module' },
};
