import { ESP32_FLASH_FREQS, ESP32_FLASH_SIZES, NEWER_ROM_DIALECT, STUB_DIALECT, newerSpi } from './dialects.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

export const ESP32C6: ChipSpec = {
  id: 'esp32c6',
  name: 'ESP32-C6',
  mcuName: 'ESP32C6',
  imageFormat: 'esp32',
  magicValues: [0x2ce0806f],
  imageChipId: 13,
  bootloaderOffset: 0x0,
  appOffset: 0x10000,
  rom: NEWER_ROM_DIALECT,
  stub: STUB_DIALECT,
  stubRestoresRomBaud: true,
  stubFile: 'esp32c6.json',
  flashSizes: ESP32_FLASH_SIZES,
  flashFrequencies: ESP32_FLASH_FREQS,
  spi: newerSpi(0x60003000),
  uartClkdivReg: 0x60000014,
  mac: { layout: 'words', regs: [0x600b0844, 0x600b0844 + 4] },
  crystalsMHz: [40],
  defaultFlashBytes: 4 * 1024 * 1024,
  micropython: { board: 'ESP32_GENERIC_C6', boardName: 'ESP32C6 module' },
  // esptool targets/esp32c6.py RTC_CNTL_WDT* registers (LP_WDT).
  watchdogReset: rtcWatchdogReset({ config0: 0x600b1c00, config1: 0x600b1c04, protect: 0x600b1c18 }, 2000),
};
