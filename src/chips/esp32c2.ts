import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';

/** esptool targets/esp32c2.py and esptool-js targets/esp32c2.ts (ESP8684 is the same die). */
export const ESP32C2: ChipSpec = newerFamilyChip('esp32c2', {
  mcuName: 'ESP32-C2',
  // ECO0 and ECO1 (esptool); ECO4 as PROTOCOL-NOTES lists it. Detection prefers the chip id anyway.
  magicValues: [0x6f51306f, 0x7c41a06f, 0x0c21e06f],
  imageChipId: 12,
  // The C2's flash clock comes from a 60 MHz source: other names, same nibbles.
  flashFrequencies: { '60m': 0xf, '30m': 0x0, '20m': 0x1, '15m': 0x2 },
  spiBase: 0x60002000,
  macReg: 0x60008840,
  // Most ESP8684 modules carry a 26 MHz crystal; 40 MHz exists too.
  crystalsMHz: [26, 40],
  // The ROM's CHANGE_BAUDRATE divides a 40 MHz clock whatever the crystal (esptool change_baud).
  romUartXtal: { assumedMHz: 40 },
  boardName: 'ESP32C2 module',
});
