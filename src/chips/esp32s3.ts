import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

export const ESP32S3: ChipSpec = newerFamilyChip('esp32s3', {
  mcuName: 'ESP32S3',
  magicValues: [0x00000009],
  imageChipId: 9,
  stubRestoresRomBaud: true,
  spiBase: 0x60002000,
  macReg: 0x60007044,
  boardName: 'Generic ESP32S3 module',
  // esptool targets/esp32s3.py RTC_CNTL_WDT* registers.
  // First RTC_CNTL_OPTION1 FORCE_DOWNLOAD_BOOT is cleared, as esptool's hard_reset does (arduino-esp32#6762).
  watchdogReset: rtcWatchdogReset({ config0: 0x60008098, config1: 0x6000809c, protect: 0x600080b0 }, 5000, [{ addr: 0x6000812c, value: 0, mask: 0x1 }]),
});
