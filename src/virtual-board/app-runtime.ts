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
  /** The chip's factory MAC (machine.unique_id, WLAN.config('mac')). */
  readonly mac?: Uint8Array;
  /** Why the chip started this time. */
  readonly bootCause?: AppBootCause;
  /** What the host puts on input pins now (later changes arrive through AppRuntime.inputsChanged). */
  readonly inputs?: PinInputs;
  /** The application drove an output pin to this level. */
  pinChanged?(pin: number, level: 0 | 1): void;
  /** The application restarts the chip (machine.reset, deepsleep). */
  restart?(kind: 'hard' | 'deepsleep', sleepMs?: number): void;
}

export type AppBootCause = 'power-on' | 'external' | 'rtc-watchdog' | 'software' | 'deepsleep';

/** Levels and readings the host puts on the chip's input pins (the page's buttons and sliders). */
export interface PinInputs {
  level(pin: number): 0 | 1 | undefined;
  analog(pin: number): number | undefined;
}

export interface AppRuntime {
  /** Bytes typed by the host. */
  input(data: Uint8Array): void;
  /** The board is reset or powered off: stop timers, release resources. */
  stop(): void;
  /** The host changed an input pin's level or ADC reading. */
  inputsChanged?(inputs: PinInputs): void;
}

/** Returns undefined when the flash holds nothing this runtime can run (the board then behaves as a blank chip would). */
export type AppFactory = (ctx: AppContext) => AppRuntime | undefined;
