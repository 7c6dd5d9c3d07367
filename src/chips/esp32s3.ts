import { newerFamilyChip } from './family.js';
import type { ChipIdentityFacts } from './identity.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

/** esptool targets/esp32s3.py: EFUSE_BLOCK1_ADDR 0x60007044, EFUSE_BLOCK2_ADDR 0x6000705C; word n at + 4n. */
const B1W3 = 0x60007050;
const B1W4 = 0x60007054;
const B1W5 = 0x60007058;
const B2W4 = 0x6000706c;
const S3_PY = 'targets/esp32s3.py';

const ESP32S3_IDENTITY: ChipIdentityFacts = {
  fields: {
    pkg: { parts: [{ reg: B1W3, shift: 21, bits: 3 }], source: `${S3_PY} get_pkg_version()` },
    major: { parts: [{ reg: B1W5, shift: 24, bits: 2 }], source: `${S3_PY} get_raw_major_chip_version()` },
    // BLOCK1 word5 bit 23 above word3 bits 18..20.
    minor: { parts: [{ reg: B1W3, shift: 18, bits: 3 }, { reg: B1W5, shift: 23, bits: 1, at: 3 }], source: `${S3_PY} get_raw_minor_chip_version()` },
    blkMajor: { parts: [{ reg: B2W4, shift: 0, bits: 2 }], source: `${S3_PY} get_blk_version_major()` },
    blkMinor: { parts: [{ reg: B1W3, shift: 24, bits: 3 }], source: `${S3_PY} get_blk_version_minor()` },
    flashCap: { parts: [{ reg: B1W3, shift: 27, bits: 3 }], source: `${S3_PY} get_flash_cap()` },
    flashVendor: { parts: [{ reg: B1W4, shift: 0, bits: 3 }], source: `${S3_PY} get_flash_vendor()` },
    // BLOCK1 word4 bits 3..4, BLOCK1 word5 bit 19 as bit 2.
    psramCap: { parts: [{ reg: B1W4, shift: 3, bits: 2 }, { reg: B1W5, shift: 19, bits: 1, at: 2 }], source: `${S3_PY} get_psram_cap()` },
    psramVendor: { parts: [{ reg: B1W4, shift: 7, bits: 2 }], source: `${S3_PY} get_psram_vendor()` },
  },
  names: [
    { when: { pkg: 0 }, name: 'ESP32-S3 (QFN56)' },
    { when: { pkg: 1 }, name: 'ESP32-S3-PICO-1 (LGA56)' },
  ],
  unknownName: 'unknown ESP32-S3',
  revisionInName: true,
  revisionZeroWhen: { when: { blkMajor: 1, blkMinor: 1 }, minorLowBits: 3 },
  features: [
    { text: 'WiFi' },
    { text: 'BLE' },
    {
      field: 'flashCap',
      values: { 1: 'Embedded Flash 8MB', 2: 'Embedded Flash 4MB' },
      unknown: 'Unknown Embedded Flash',
      vendor: { field: 'flashVendor', names: { 1: 'XMC', 2: 'GD', 3: 'FM', 4: 'TT', 5: 'BY' } },
    },
    {
      field: 'psramCap',
      values: { 1: 'Embedded PSRAM 8MB', 2: 'Embedded PSRAM 2MB', 3: 'Embedded PSRAM 16MB', 4: 'Embedded PSRAM 4MB' },
      unknown: 'Unknown Embedded PSRAM',
      vendor: { field: 'psramVendor', names: { 1: 'AP_3v3', 2: 'AP_1v8' } },
    },
  ],
  embeddedFlash: { field: 'flashCap', sizes: { 1: { megabytes: 8 }, 2: { megabytes: 4 } }, source: `${S3_PY} get_chip_features()` },
  // Sizes from esptool; the interface from the ESP32-S3 datasheet: the 8 and 16 MB parts (S3R8, S3R8V,
  // S3R16V) are octal, the 2 and 4 MB ones (S3R2, S3FH4R2) quad.
  embeddedPsram: {
    field: 'psramCap',
    sizes: { 1: { megabytes: 8, type: 'octal' }, 2: { megabytes: 2, type: 'quad' }, 3: { megabytes: 16, type: 'octal' }, 4: { megabytes: 4, type: 'quad' } },
    source: `${S3_PY} get_chip_features(); ESP32-S3 datasheet for octal/quad`,
  },
  cores: { count: 2 },
  cpuMHz: { max: 240 },
  radio: ['Wi-Fi', 'BLE'],
  // UARTDEV_BUF_NO in ROM .bss: 3 = USB-OTG, 4 = USB-Serial/JTAG.
  usbConsole: { reg: 0x3fcef14c, values: { 3: 'usb-otg', 4: 'usb-serial-jtag' }, source: `${S3_PY} uses_usb_otg(), uses_usb_jtag_serial()` },
};

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
  identity: ESP32S3_IDENTITY,
});
