import { ESP32_FLASH_FREQS, ESP32_FLASH_SIZES, NEWER_ROM_DIALECT, STUB_DIALECT, newerSpi } from './dialects.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

export const ESP32S2: ChipSpec = {
  id: 'esp32s2',
  name: 'ESP32-S2',
  mcuName: 'ESP32S2',
  imageFormat: 'esp32',
  magicValues: [0x000007c6],
  imageChipId: 2,
  bootloaderOffset: 0x1000,
  appOffset: 0x10000,
  rom: NEWER_ROM_DIALECT,
  stub: STUB_DIALECT,
  stubRestoresRomBaud: true,
  stubFile: 'esp32s2.json',
  flashSizes: ESP32_FLASH_SIZES,
  flashFrequencies: ESP32_FLASH_FREQS,
  spi: newerSpi(0x3f402000),
  uartClkdivReg: 0x3f400014,
  mac: { layout: 'words', regs: [0x3f41a044, 0x3f41a044 + 4] },
  crystalsMHz: [40],
  defaultFlashBytes: 4 * 1024 * 1024,
  micropython: { board: 'ESP32_GENERIC_S2', boardName: 'Generic ESP32S2 module' },
  // esptool targets/esp32s2.py RTC_CNTL_WDT* registers.
  watchdogReset: rtcWatchdogReset({ config0: 0x3f408094, config1: 0x3f408098, protect: 0x3f4080ac }, 5000),
};
