import { newerFamilyChip } from './family.js';
import type { ChipSpec } from './types.js';

/** esptool targets/esp32p4.py and esptool-js targets/esp32p4.ts. */
export const ESP32P4: ChipSpec = newerFamilyChip('esp32p4', {
  mcuName: 'ESP32-P4',
  // 0x40001000 is flash-mapped on the P4: READ_REG reads 0 or a bad-address marker there, so the
  // magic cannot tell it apart (esptool USES_MAGIC_VALUE = False): the chip id decides.
  magicValues: [0x0addbad0, 0x0],
  imageChipId: 18,
  bootloaderOffset: 0x2000,
  stubRestoresRomBaud: true,
  stubUartMaxBaud: 5_000_000,
  // The stub file is for revision v3.0 and later; earlier silicon needs esptool-js's esp32p4-rev1.json (not read here).
  spiBase: 0x5008d000,
  // UART0 at 0x500CA000 (esptool UART_DATE_REG_ADDR = base + 0x8C); CLKDIV at base + 0x14.
  uartClkdivReg: 0x500ca014,
  macReg: 0x5012d044,
  defaultFlashBytes: 16 * 1024 * 1024,
  boardName: 'Generic ESP32P4 module',
});
