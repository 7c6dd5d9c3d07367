import { ESP32_FLASH_FREQS, ESP32_FLASH_SIZES, NEWER_ROM_DIALECT, STUB_DIALECT, newerSpi } from './dialects.js';
import type { ChipSpec } from './types.js';

/** esptool targets/esp32p4.py and esptool-js targets/esp32p4.ts. */
export const ESP32P4: ChipSpec = {
  id: 'esp32p4',
  name: 'ESP32-P4',
  mcuName: 'ESP32-P4',
  imageFormat: 'esp32',
  // 0x40001000 is flash-mapped on the P4: READ_REG reads 0 or a bad-address marker there, so the
  // magic cannot tell it apart (esptool USES_MAGIC_VALUE = False): the chip id decides.
  magicValues: [0x0addbad0, 0x0],
  imageChipId: 18,
  bootloaderOffset: 0x2000,
  appOffset: 0x10000,
  rom: NEWER_ROM_DIALECT,
  stub: STUB_DIALECT,
  stubRestoresRomBaud: true,
  // Revision v3.0 and later; earlier silicon needs esptool-js's esp32p4-rev1.json (not read here).
  stubFile: 'esp32p4.json',
  flashSizes: ESP32_FLASH_SIZES,
  flashFrequencies: ESP32_FLASH_FREQS,
  spi: newerSpi(0x5008d000),
  // UART0 at 0x500CA000 (esptool UART_DATE_REG_ADDR = base + 0x8C); CLKDIV at base + 0x14.
  uartClkdivReg: 0x500ca014,
  mac: { layout: 'words', regs: [0x5012d044, 0x5012d044 + 4] },
  crystalsMHz: [40],
  defaultFlashBytes: 16 * 1024 * 1024,
  micropython: { board: 'ESP32_GENERIC_P4', boardName: 'Generic ESP32P4 module' },
};
