import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

export const ESP32C6: ChipSpec = newerFamilyChip('esp32c6', {
  mcuName: 'ESP32C6',
  magicValues: [0x2ce0806f],
  imageChipId: 13,
  stubRestoresRomBaud: true,
  spiBase: 0x60003000,
  macReg: 0x600b0844,
  boardName: 'ESP32C6 module',
  // esptool targets/esp32c6.py RTC_CNTL_WDT* registers (LP_WDT).
  watchdogReset: rtcWatchdogReset({ config0: 0x600b1c00, config1: 0x600b1c04, protect: 0x600b1c18 }, 2000),
});
