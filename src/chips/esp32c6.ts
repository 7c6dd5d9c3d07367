import { newerFamilyChip } from './family.js';
import type { ChipIdentityFacts } from './identity.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

/** esptool targets/esp32c6.py: EFUSE_BLOCK1_ADDR 0x600B0844; word n at + 4n. */
const B1W3 = 0x600b0850;
const C6_PY = 'targets/esp32c6.py';

const ESP32C6_IDENTITY: ChipIdentityFacts = {
  fields: {
    pkg: { parts: [{ reg: B1W3, shift: 24, bits: 3 }], source: `${C6_PY} get_pkg_version()` },
    major: { parts: [{ reg: B1W3, shift: 22, bits: 2 }], source: `${C6_PY} get_major_chip_version()` },
    minor: { parts: [{ reg: B1W3, shift: 18, bits: 4 }], source: `${C6_PY} get_minor_chip_version()` },
  },
  names: [
    { when: { pkg: 0 }, name: 'ESP32-C6 (QFN40)' },
    { when: { pkg: 1 }, name: 'ESP32-C6FH4 (QFN32)' },
  ],
  unknownName: 'unknown ESP32-C6',
  revisionInName: true,
  features: [{ text: 'WiFi 6' }, { text: 'BT 5' }, { text: 'IEEE802.15.4' }],
  // The C6FH4 carries 4 MB of flash in its package (its name; ESP32-C6 datasheet).
  embeddedFlash: { field: 'pkg', sizes: { 1: { megabytes: 4 } }, source: 'ESP32-C6 datasheet (C6FH4)' },
  cores: { count: 1 },
  cpuMHz: { max: 160 },
  radio: ['Wi-Fi 6', 'BLE 5', 'IEEE 802.15.4'],
  // UARTDEV_BUF_NO in ROM .bss: 3 = USB-Serial/JTAG (the C6 inherits esptool's C3 check).
  usbConsole: { reg: 0x4087f580, values: { 3: 'usb-serial-jtag' }, source: `${C6_PY} UARTDEV_BUF_NO; targets/esp32c3.py uses_usb_jtag_serial()` },
};

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
  identity: ESP32C6_IDENTITY,
});
