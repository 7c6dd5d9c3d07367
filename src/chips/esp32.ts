import { ESP32_FLASH_FREQS, ESP32_FLASH_SIZES, STUB_DIALECT } from './dialects.js';
import type { ChipIdentityFacts } from './identity.js';
import type { ChipSpec } from './types.js';

/** esptool targets/esp32.py: eFuse words at EFUSE_RD_REG_BASE 0x3FF5A000 (read_efuse(n) = base + 4n). */
const W3 = 0x3ff5a00c;
const W4 = 0x3ff5a010;
const W5 = 0x3ff5a014;
const W6 = 0x3ff5a018;
const APB_CTL_DATE = 0x3ff6607c;
const ESP32_PY = 'targets/esp32.py';

const ESP32_IDENTITY: ChipIdentityFacts = {
  fields: {
    // word3 bits 9..11, plus word3 bit 2 as bit 3.
    pkg: { parts: [{ reg: W3, shift: 9, bits: 3 }, { reg: W3, shift: 2, bits: 1, at: 3 }], source: `${ESP32_PY} get_pkg_version()` },
    // word3 bit 15, word5 bit 20, APB_CTL_DATE bit 31, combined and mapped {0:0, 1:1, 3:2, 7:3}, else 0.
    major: {
      parts: [{ reg: W3, shift: 15, bits: 1 }, { reg: W5, shift: 20, bits: 1, at: 1 }, { reg: APB_CTL_DATE, shift: 31, bits: 1, at: 2 }],
      map: { values: { 0: 0, 1: 1, 3: 2, 7: 3 }, otherwise: 0 },
      source: `${ESP32_PY} get_major_chip_version()`,
    },
    minor: { parts: [{ reg: W5, shift: 24, bits: 2 }], source: `${ESP32_PY} get_minor_chip_version()` },
    singleCore: { parts: [{ reg: W3, shift: 0, bits: 1 }], source: `${ESP32_PY} get_chip_features() CHIP_VER_DIS_APP_CPU` },
    noBt: { parts: [{ reg: W3, shift: 1, bits: 1 }], source: `${ESP32_PY} get_chip_features() CHIP_VER_DIS_BT` },
    cpuLow: { parts: [{ reg: W3, shift: 12, bits: 1 }], source: `${ESP32_PY} get_chip_features() CHIP_CPU_FREQ_LOW` },
    cpuRated: { parts: [{ reg: W3, shift: 13, bits: 1 }], source: `${ESP32_PY} get_chip_features() CHIP_CPU_FREQ_RATED` },
    adcVref: { parts: [{ reg: W4, shift: 8, bits: 5 }], source: `${ESP32_PY} get_chip_features() adc_vref` },
    blk3PartReserved: { parts: [{ reg: W3, shift: 14, bits: 1 }], source: `${ESP32_PY} get_chip_features() blk3_part_res` },
    codingScheme: { parts: [{ reg: W6, shift: 0, bits: 2 }], source: `${ESP32_PY} get_chip_features() coding_scheme` },
  },
  // get_chip_description(): single-core and "-V3" (major 3) spellings first.
  names: [
    { when: { pkg: 0, singleCore: 1 }, name: 'ESP32-S0WDQ6' },
    { when: { pkg: 0, major: 3 }, name: 'ESP32-D0WDQ6-V3' },
    { when: { pkg: 0 }, name: 'ESP32-D0WDQ6' },
    { when: { pkg: 1, singleCore: 1 }, name: 'ESP32-S0WD' },
    { when: { pkg: 1, major: 3 }, name: 'ESP32-D0WD-V3' },
    { when: { pkg: 1 }, name: 'ESP32-D0WD' },
    { when: { pkg: 2 }, name: 'ESP32-D2WD' },
    { when: { pkg: 4 }, name: 'ESP32-U4WDH' },
    { when: { pkg: 5, major: 3 }, name: 'ESP32-PICO-V3' },
    { when: { pkg: 5 }, name: 'ESP32-PICO-D4' },
    { when: { pkg: 6 }, name: 'ESP32-PICO-V3-02' },
    { when: { pkg: 7 }, name: 'ESP32-D0WDR2-V3' },
  ],
  unknownName: 'unknown ESP32',
  revisionInName: true,
  // get_chip_features(), in its order.
  features: [
    { text: 'WiFi' },
    { text: 'BT', when: { noBt: 0 } },
    { text: 'Single Core', when: { singleCore: 1 } },
    { text: 'Dual Core', when: { singleCore: 0 } },
    { text: '160MHz', when: { cpuRated: 1, cpuLow: 1 } },
    { text: '240MHz', when: { cpuRated: 1, cpuLow: 0 } },
    { field: 'pkg', values: { 2: 'Embedded Flash', 4: 'Embedded Flash', 5: 'Embedded Flash', 6: 'Embedded Flash' } },
    { field: 'pkg', values: { 6: 'Embedded PSRAM' } },
    { text: 'VRef calibration in efuse', whenNonZero: 'adcVref' },
    { text: 'BLK3 partially reserved', when: { blk3PartReserved: 1 } },
    { field: 'codingScheme', values: { 0: 'Coding Scheme None', 1: 'Coding Scheme 3/4', 2: 'Coding Scheme Repeat (UNSUPPORTED)', 3: 'Coding Scheme Invalid' } },
  ],
  // esptool says only "Embedded Flash"/"Embedded PSRAM"; sizes from the ESP32 datasheet's package table
  // (D2WD 2 MB, U4WDH 4 MB, PICO-D4 / PICO-V3 4 MB, PICO-V3-02 8 MB flash + 2 MB PSRAM, D0WDR2-V3 2 MB PSRAM).
  embeddedFlash: { field: 'pkg', sizes: { 2: { megabytes: 2 }, 4: { megabytes: 4 }, 5: { megabytes: 4 }, 6: { megabytes: 8 } }, source: 'ESP32 datasheet, package versions' },
  embeddedPsram: { field: 'pkg', sizes: { 6: { megabytes: 2, type: 'quad' }, 7: { megabytes: 2, type: 'quad' } }, source: 'ESP32 datasheet, package versions' },
  cores: { count: 2, singleWhen: { singleCore: 1 } },
  cpuMHz: { max: 240, rules: [{ when: { cpuRated: 1, cpuLow: 1 }, mhz: 160 }] },
  radio: ['Wi-Fi', 'Bluetooth Classic', 'BLE'],
};


export const ESP32: ChipSpec = {
  id: 'esp32',
  name: 'ESP32',
  mcuName: 'ESP32',
  imageFormat: 'esp32',
  magicValues: [0x00f01d83],
  imageChipId: 0,
  bootloaderOffset: 0x1000,
  appOffset: 0x10000,
  rom: {
    statusBytes: 4,
    flashBeginWords: 4,
    spiAttachWords: 2,
    supportsDeflate: true,
    supportsMd5: true,
    md5Format: 'hex',
    supportsChangeBaud: true,
    supportsSecurityInfo: false,
    supportsStubCommands: false,
    flashBlockSize: 0x400,
    eraseSizeBug: false,
    deflateSizeRoundedToBlocks: true,
  },
  stub: STUB_DIALECT,
  stubRestoresRomBaud: true,
  stubUartMaxBaud: 5_000_000,
  stubFile: 'esp32.json',
  flashSizes: ESP32_FLASH_SIZES,
  flashFrequencies: ESP32_FLASH_FREQS,
  spi: { base: 0x3ff42000, usr: 0x1c, usr1: 0x20, usr2: 0x24, mosiDlen: 0x28, misoDlen: 0x2c, w0: 0x80 },
  uartClkdivReg: 0x3ff40014,
  mac: { layout: 'esp32', regs: [0x3ff5a004, 0x3ff5a008] },
  crystalsMHz: [40, 26],
  romBaudCorrection: { rtcCaliReg: 0x3ff5f06c, caliShift: 7, caliMask: 0x1ffffff, ck8mEfuseReg: 0x3ff5a010 },
  securityEfuses: {
    cryptCnt: { reg: 0x3ff5a000, shift: 20, mask: 0x7f },
    secureBoot: { reg: 0x3ff5a018, mask: (1 << 4) | (1 << 5) },
  },
  revision: { layout: 'esp32', efuseBase: 0x3ff5a000, apbCtlDateReg: 0x3ff6607c },
  defaultFlashBytes: 4 * 1024 * 1024,
  micropython: { board: 'ESP32_GENERIC', boardName: 'Generic ESP32 module' },
  identity: ESP32_IDENTITY,
};
