import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';

export const ESP32C6: ChipSpec = newerFamilyChip('esp32c6', {
  mcuName: 'ESP32C6',
  magicValues: [0x2ce0806f],
  imageChipId: 13,
  stubRestoresRomBaud: true,
  spiBase: 0x60003000,
  macReg: 0x600b0844,
  boardName: 'ESP32C6 module',
});
