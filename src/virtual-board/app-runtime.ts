import type { ChipSpec } from '../chips/types.js';

/**
 * What runs on the virtual board after a normal boot from flash. The board itself only knows ROM
 * download mode and the boot decision; the application (real MicroPython, see micropython/) is plugged
 * in through this interface so the board stays small and browser-safe.
 */

export interface FlashView {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  /** Erases the 4 KiB sectors touched and programs `data` (what an application's flash driver does). */
  write(offset: number, data: Uint8Array): void;
}

export interface AppContext {
  readonly chip: ChipSpec;
  readonly flash: FlashView;
  /** Bytes the application prints on its UART. */
  uartWrite(data: Uint8Array): void;
}

export interface AppRuntime {
  /** Bytes typed by the host. */
  input(data: Uint8Array): void;
  /** The board is reset or powered off: stop timers, release resources. */
  stop(): void;
}

/** Returns undefined when the flash holds nothing this runtime can run (the board then behaves as a blank chip would). */
export type AppFactory = (ctx: AppContext) => AppRuntime | undefined;
