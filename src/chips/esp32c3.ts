import { newerFamilyChip } from './family.js';
import type { ChipIdentityFacts } from './identity.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

/** esptool targets/esp32c3.py: EFUSE_BLOCK1_ADDR 0x60008844; word n at + 4n. */
const B1W3 = 0x60008850;
const B1W4 = 0x60008854;
const B1W5 = 0x60008858;
const C3_PY = 'targets/esp32c3.py';

const ESP32C3_IDENTITY: ChipIdentityFacts = {
  fields: {
    pkg: { parts: [{ reg: B1W3, shift: 21, bits: 3 }], source: `${C3_PY} get_pkg_version()` },
    major: { parts: [{ reg: B1W5, shift: 24, bits: 2 }], source: `${C3_PY} get_major_chip_version()` },
    minor: { parts: [{ reg: B1W3, shift: 18, bits: 3 }, { reg: B1W5, shift: 23, bits: 1, at: 3 }], source: `${C3_PY} get_minor_chip_version()` },
    flashCap: { parts: [{ reg: B1W3, shift: 27, bits: 3 }], source: `${C3_PY} get_flash_cap()` },
    flashVendor: { parts: [{ reg: B1W4, shift: 0, bits: 3 }], source: `${C3_PY} get_flash_vendor()` },
  },
  names: [
    { when: { pkg: 0 }, name: 'ESP32-C3 (QFN32)' },
    { when: { pkg: 1 }, name: 'ESP8685 (QFN28)' },
    { when: { pkg: 2 }, name: 'ESP32-C3 AZ (QFN32)' },
    { when: { pkg: 3 }, name: 'ESP8686 (QFN24)' },
  ],
  unknownName: 'unknown ESP32-C3',
  revisionInName: true,
  features: [
    { text: 'WiFi' },
    { text: 'BLE' },
    {
      field: 'flashCap',
      values: { 1: 'Embedded Flash 4MB', 2: 'Embedded Flash 2MB', 3: 'Embedded Flash 1MB', 4: 'Embedded Flash 8MB' },
      unknown: 'Unknown Embedded Flash',
      vendor: { field: 'flashVendor', names: { 1: 'XMC', 2: 'GD', 3: 'FM', 4: 'TT', 5: 'ZBIT' } },
    },
  ],
  embeddedFlash: {
    field: 'flashCap',
    sizes: { 1: { megabytes: 4 }, 2: { megabytes: 2 }, 3: { megabytes: 1 }, 4: { megabytes: 8 } },
    source: `${C3_PY} get_chip_features()`,
  },
  cores: { count: 1 },
  cpuMHz: { max: 160 },
  radio: ['Wi-Fi', 'BLE'],
  // UARTDEV_BUF_NO in ROM .bss: 3 = USB-Serial/JTAG.
  usbConsole: { reg: 0x3fcdf07c, values: { 3: 'usb-serial-jtag' }, source: `${C3_PY} uses_usb_jtag_serial()` },
};

export const ESP32C3: ChipSpec = newerFamilyChip('esp32c3', {
  mcuName: 'ESP32C3',
  magicValues: [0x6921506f, 0x1b31506f, 0x4881606f, 0x4361606f],
  imageChipId: 5,
  spiBase: 0x60002000,
  macReg: 0x60008844,
  boardName: 'ESP32C3 module',
  // esptool targets/esp32c3.py RTC_CNTL_WDT* registers.
  watchdogReset: rtcWatchdogReset({ config0: 0x60008090, config1: 0x60008094, protect: 0x600080a8 }, 2000),
  identity: ESP32C3_IDENTITY,
});
