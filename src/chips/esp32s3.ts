import { ESP32_FLASH_FREQS, ESP32_FLASH_SIZES, NEWER_ROM_DIALECT, STUB_DIALECT, newerSpi } from './dialects.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

export const ESP32S3: ChipSpec = {
  id: 'esp32s3',
  name: 'ESP32-S3',
  mcuName: 'ESP32S3',
  imageFormat: 'esp32',
  magicValues: [0x00000009],
  imageChipId: 9,
  bootloaderOffset: 0x0,
  appOffset: 0x10000,
  rom: NEWER_ROM_DIALECT,
  stub: STUB_DIALECT,
  stubRestoresRomBaud: true,
  stubFile: 'esp32s3.json',
  flashSizes: ESP32_FLASH_SIZES,
  flashFrequencies: ESP32_FLASH_FREQS,
  spi: newerSpi(0x60002000),
  uartClkdivReg: 0x60000014,
  mac: { layout: 'words', regs: [0x60007044, 0x60007044 + 4] },
  crystalsMHz: [40],
  defaultFlashBytes: 4 * 1024 * 1024,
  micropython: { board: 'ESP32_GENERIC_S3', boardName: 'Generic ESP32S3 module' },
  // esptool targets/esp32s3.py RTC_CNTL_WDT* registers.
  // First RTC_CNTL_OPTION1 FORCE_DOWNLOAD_BOOT is cleared, as esptool's hard_reset does (arduino-esp32#6762).
  watchdogReset: rtcWatchdogReset({ config0: 0x60008098, config1: 0x6000809c, protect: 0x600080b0 }, 5000, [{ addr: 0x6000812c, value: 0, mask: 0x1 }]),
};
