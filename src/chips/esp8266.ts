import { STUB_DIALECT } from './dialects.js';
import type { ChipIdentityFacts } from './identity.js';
import type { ChipSpec } from './types.js';

/**
 * esptool targets/esp8266.py: the 128 eFuse bits are the four OTP words 0x3FF00050..5C (get_efuses());
 * bit 4 (word 0) or bit 80 (word 2 bit 16) set marks an ESP8285, whose flash is in the package.
 */
const E8_PY = 'targets/esp8266.py';

const ESP8266_IDENTITY: ChipIdentityFacts = {
  fields: {
    embedded8285: {
      parts: [{ reg: 0x3ff00050, shift: 4, bits: 1 }, { reg: 0x3ff00058, shift: 16, bits: 1, at: 1 }],
      source: `${E8_PY} get_chip_description() is_8285`,
    },
  },
  names: [{ when: { embedded8285: 0 }, name: 'ESP8266EX' }],
  // The ESP8285 sub-models (H08/N08/H16/N16) follow from more bits; upyflash names the family only.
  unknownName: 'ESP8285',
  revisionInName: false,
  features: [{ text: 'WiFi' }, { text: 'Embedded Flash', whenNonZero: 'embedded8285' }],
  cores: { count: 1 },
  cpuMHz: { max: 160 },
  radio: ['Wi-Fi'],
};


export const ESP8266: ChipSpec = {
  id: 'esp8266',
  name: 'ESP8266',
  mcuName: 'ESP8266',
  imageFormat: 'esp8266',
  magicValues: [0xfff0c101],
  imageChipId: undefined,
  bootloaderOffset: 0x0,
  appOffset: 0x0,
  rom: {
    statusBytes: 2,
    flashBeginWords: 4,
    spiAttachWords: 0,
    supportsDeflate: false,
    supportsMd5: false,
    md5Format: 'hex',
    supportsChangeBaud: false,
    supportsSecurityInfo: false,
    supportsStubCommands: false,
    flashBlockSize: 0x400,
    eraseSizeBug: true,
    deflateSizeRoundedToBlocks: false,
  },
  stub: STUB_DIALECT,
  stubFile: 'esp8266.json',
  flashSizes: {
    '512KB': 0x0,
    '256KB': 0x1,
    '1MB': 0x2,
    '2MB': 0x3,
    '4MB': 0x4,
    '2MB-c1': 0x5,
    '4MB-c1': 0x6,
    '8MB': 0x8,
    '16MB': 0x9,
  },
  flashFrequencies: { '80m': 0xf, '40m': 0x0, '26m': 0x1, '20m': 0x2 },
  spi: { base: 0x60000200, usr: 0x1c, usr1: 0x20, usr2: 0x24, w0: 0x40 },
  uartClkdivReg: 0x60000014,
  mac: { layout: 'esp8266-otp', regs: [0x3ff00050, 0x3ff00054, 0x3ff0005c] },
  crystalsMHz: [26, 40],
  defaultFlashBytes: 4 * 1024 * 1024,
  micropython: { board: 'ESP8266_GENERIC', boardName: 'ESP module' },
  uartClockPerXtal: 2,
  identity: ESP8266_IDENTITY,
};
