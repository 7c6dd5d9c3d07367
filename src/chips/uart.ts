import type { ChipSpec } from './types.js';

/**
 * In download mode the ROM clocks the UART from the 40 MHz crystal, and a UART divides its source
 * clock by at least 16 (esp-idf SOC_UART_BITRATE_MAX: 2.5 Mbit/s on the ESP32-C2's 40 MHz UART clock,
 * 5 Mbit/s on 80 MHz ones): 2.5 Mbaud is as fast as any ROM loader's UART goes.
 */
export const ROM_UART_MAX_BAUD = 2_500_000;

/** The fastest rate the chip's UART can run with the ROM loader, or with the flasher stub running. */
export function uartMaxBaud(chip: ChipSpec, stubRunning: boolean): number {
  return stubRunning ? (chip.stubUartMaxBaud ?? ROM_UART_MAX_BAUD) : ROM_UART_MAX_BAUD;
}
