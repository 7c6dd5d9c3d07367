import { ESP32_FLASH_FREQS, ESP32_FLASH_SIZES, NEWER_ROM_DIALECT, STUB_DIALECT, newerSpi } from './dialects.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

export const ESP32C3: ChipSpec = {
  id: 'esp32c3',
  name: 'ESP32-C3',
  mcuName: 'ESP32C3',
  imageFormat: 'esp32',
  magicValues: [0x6921506f, 0x1b31506f, 0x4881606f, 0x4361606f],
  imageChipId: 5,
  bootloaderOffset: 0x0,
  appOffset: 0x10000,
  rom: NEWER_ROM_DIALECT,
  stub: STUB_DIALECT,
  stubFile: 'esp32c3.json',
  flashSizes: ESP32_FLASH_SIZES,
  flashFrequencies: ESP32_FLASH_FREQS,
  spi: newerSpi(0x60002000),
  uartClkdivReg: 0x60000014,
  mac: { layout: 'words', regs: [0x60008844, 0x60008844 + 4] },
  crystalsMHz: [40],
  defaultFlashBytes: 4 * 1024 * 1024,
  micropython: { board: 'ESP32_GENERIC_C3', boardName: 'ESP32C3 module' },
  // esptool targets/esp32c3.py RTC_CNTL_WDT* registers.
  watchdogReset: rtcWatchdogReset({ config0: 0x60008090, config1: 0x60008094, protect: 0x600080a8 }, 2000),
};
