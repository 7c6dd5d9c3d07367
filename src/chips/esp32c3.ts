import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

export const ESP32C3: ChipSpec = newerFamilyChip('esp32c3', {
  mcuName: 'ESP32C3',
  magicValues: [0x6921506f, 0x1b31506f, 0x4881606f, 0x4361606f],
  imageChipId: 5,
  spiBase: 0x60002000,
  macReg: 0x60008844,
  boardName: 'ESP32C3 module',
  // esptool targets/esp32c3.py RTC_CNTL_WDT* registers.
  watchdogReset: rtcWatchdogReset({ config0: 0x60008090, config1: 0x60008094, protect: 0x600080a8 }, 2000),
});
