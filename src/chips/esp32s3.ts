import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';

export const ESP32S3: ChipSpec = newerFamilyChip('esp32s3', {
  mcuName: 'ESP32S3',
  magicValues: [0x00000009],
  imageChipId: 9,
  stubRestoresRomBaud: true,
  spiBase: 0x60002000,
  macReg: 0x60007044,
  boardName: 'Generic ESP32S3 module',
});
