import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';

/** esptool targets/esp32h2.py (an ESP32-C6 descendant) and esptool-js targets/esp32h2.ts. */
export const ESP32H2: ChipSpec = newerFamilyChip('esp32h2', {
  mcuName: 'ESP32-H2',
  magicValues: [0xd7b73e80],
  imageChipId: 16,
  // Flash clock from a 48 MHz source.
  flashFrequencies: { '48m': 0xf, '24m': 0x0, '16m': 0x1, '12m': 0x2 },
  spiBase: 0x60003000,
  macReg: 0x600b0844,
  crystalsMHz: [32],
  boardName: 'ESP32H2 module',
});
