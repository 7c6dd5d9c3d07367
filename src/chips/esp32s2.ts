import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

export const ESP32S2: ChipSpec = newerFamilyChip('esp32s2', {
  mcuName: 'ESP32S2',
  magicValues: [0x000007c6],
  imageChipId: 2,
  bootloaderOffset: 0x1000,
  stubRestoresRomBaud: true,
  stubUartMaxBaud: 5_000_000,
  spiBase: 0x3f402000,
  uartClkdivReg: 0x3f400014,
  macReg: 0x3f41a044,
  boardName: 'Generic ESP32S2 module',
  // esptool targets/esp32s2.py RTC_CNTL_WDT* registers.
  watchdogReset: rtcWatchdogReset({ config0: 0x3f408094, config1: 0x3f408098, protect: 0x3f4080ac }, 5000),
});
