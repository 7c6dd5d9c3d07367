import { newerFamilyChip } from './family.js';
import type { ChipIdentityFacts } from './identity.js';
import type { ChipSpec } from './types.js';
import { rtcWatchdogReset } from './watchdog.js';

/** esptool targets/esp32s2.py: EFUSE_BLOCK1_ADDR 0x3F41A044, EFUSE_BLOCK2_ADDR 0x3F41A05C; word n at + 4n. */
const B1W3 = 0x3f41a050;
const B1W4 = 0x3f41a054;
const B2W4 = 0x3f41a06c;
const S2_PY = 'targets/esp32s2.py';

const ESP32S2_IDENTITY: ChipIdentityFacts = {
  fields: {
    pkg: { parts: [{ reg: B1W4, shift: 0, bits: 4 }], source: `${S2_PY} get_pkg_version()` },
    major: { parts: [{ reg: B1W3, shift: 18, bits: 2 }], source: `${S2_PY} get_major_chip_version()` },
    // BLOCK1 word3 bit 20 above word4 bits 4..6.
    minor: { parts: [{ reg: B1W4, shift: 4, bits: 3 }, { reg: B1W3, shift: 20, bits: 1, at: 3 }], source: `${S2_PY} get_minor_chip_version()` },
    flashCap: { parts: [{ reg: B1W3, shift: 21, bits: 4 }], source: `${S2_PY} get_flash_version()` },
    psramCap: { parts: [{ reg: B1W3, shift: 28, bits: 4 }], source: `${S2_PY} get_psram_version()` },
    block2Version: { parts: [{ reg: B2W4, shift: 4, bits: 3 }], source: `${S2_PY} get_block2_version()` },
  },
  // get_chip_description() keys on flash_cap + 100 * psram_cap.
  names: [
    { when: { flashCap: 0, psramCap: 0 }, name: 'ESP32-S2' },
    { when: { flashCap: 1, psramCap: 0 }, name: 'ESP32-S2FH2' },
    { when: { flashCap: 2, psramCap: 0 }, name: 'ESP32-S2FH4' },
    { when: { flashCap: 2, psramCap: 1 }, name: 'ESP32-S2FNR2' },
    { when: { flashCap: 0, psramCap: 1 }, name: 'ESP32-S2R2' },
  ],
  unknownName: 'unknown ESP32-S2',
  revisionInName: true,
  features: [
    { text: 'WiFi' },
    { field: 'flashCap', values: { 0: 'No Embedded Flash', 1: 'Embedded Flash 2MB', 2: 'Embedded Flash 4MB' }, unknown: 'Unknown Embedded Flash' },
    { field: 'psramCap', values: { 0: 'No Embedded PSRAM', 1: 'Embedded PSRAM 2MB', 2: 'Embedded PSRAM 4MB' }, unknown: 'Unknown Embedded PSRAM' },
    {
      field: 'block2Version',
      values: {
        0: 'No calibration in BLK2 of efuse',
        1: 'ADC and temperature sensor calibration in BLK2 of efuse V1',
        2: 'ADC and temperature sensor calibration in BLK2 of efuse V2',
      },
      unknown: 'Unknown Calibration in BLK2',
    },
  ],
  embeddedFlash: { field: 'flashCap', sizes: { 1: { megabytes: 2 }, 2: { megabytes: 4 } }, source: `${S2_PY} get_chip_features()` },
  // The S2's PSRAM interface is quad SPI only (ESP32-S2 datasheet).
  embeddedPsram: { field: 'psramCap', sizes: { 1: { megabytes: 2, type: 'quad' }, 2: { megabytes: 4, type: 'quad' } }, source: `${S2_PY} get_chip_features()` },
  cores: { count: 1 },
  cpuMHz: { max: 240 },
  radio: ['Wi-Fi'],
  // UARTDEV_BUF_NO in ROM .bss: 2 = USB-OTG (the S2 has no USB-Serial/JTAG).
  usbConsole: { reg: 0x3ffffd14, values: { 2: 'usb-otg' }, source: `${S2_PY} uses_usb_otg()` },
};

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
  identity: ESP32S2_IDENTITY,
});
