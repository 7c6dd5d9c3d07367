import { ESP32 } from './esp32.js';
import { ESP32C2 } from './esp32c2.js';
import { ESP32C3 } from './esp32c3.js';
import { ESP32C5 } from './esp32c5.js';
import { ESP32C6 } from './esp32c6.js';
import { ESP32H2 } from './esp32h2.js';
import { ESP32P4 } from './esp32p4.js';
import { ESP32S2 } from './esp32s2.js';
import { ESP32S3 } from './esp32s3.js';
import { ESP8266 } from './esp8266.js';
import type { ChipId, ChipSpec } from './types.js';

export type { ChipId, ChipSpec, LoaderDialect, SpiRegisters } from './types.js';
export { ROM_MAGIC_REG } from './types.js';
export { ROM_UART_MAX_BAUD, uartMaxBaud } from './uart.js';
export { STUB_DIALECT } from './dialects.js';
export { SPI_USER_COMMAND } from './spi-bits.js';

export const CHIPS: readonly ChipSpec[] = [ESP8266, ESP32, ESP32S2, ESP32S3, ESP32C2, ESP32C3, ESP32C5, ESP32C6, ESP32H2, ESP32P4];

/** Accepts esptool's spellings too: esp32-s3, ESP32S3, esp32s3. */
export function chipById(name: string): ChipSpec | undefined {
  const key = name.toLowerCase().replace(/[-_ ]/g, '');
  return CHIPS.find((c) => c.id === key);
}

export function chipByMagic(value: number): ChipSpec | undefined {
  return CHIPS.find((c) => c.magicValues.includes(value >>> 0));
}

export function chipByImageId(id: number): ChipSpec | undefined {
  return CHIPS.find((c) => c.imageChipId === id);
}

export const CHIP_IDS: readonly ChipId[] = CHIPS.map((c) => c.id);

export { ESP32, ESP32C2, ESP32C3, ESP32C5, ESP32C6, ESP32H2, ESP32P4, ESP32S2, ESP32S3, ESP8266 };
