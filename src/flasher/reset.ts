import { sleep } from '../platform/sleep.js';
import type { ControlLines, Transport } from '../transport/transport.js';

/**
 * Reset sequences as data. Each step sets BOTH lines in one call (never one at a time, see
 * PROTOCOL-NOTES "unix-tight"), then optionally waits. Sequences that esptool writes as separate
 * setDTR/setRTS calls are expanded here into the intermediate states those calls produce, so the
 * board sees the same line history either way.
 */
export interface ResetStep {
  readonly dtr: boolean;
  readonly rts: boolean;
  readonly waitMs?: number;
}

export type ResetStrategyName = 'classic' | 'unix-tight' | 'usb-jtag-serial';

export interface ResetStrategy {
  readonly name: ResetStrategyName;
  /** How long EN is held before GPIO0 is released (esptool: 0.05 s, retried with 0.55 s). */
  readonly enDelayMs: number;
  readonly steps: readonly ResetStep[];
}

export type BeforeMode = 'default-reset' | 'no-reset' | 'usb-reset';
export type AfterMode = 'hard-reset' | 'no-reset';

export const SHORT_EN_DELAY_MS = 50;
export const LONG_EN_DELAY_MS = 550;
/**
 * How long EN is held low. The chip needs 50 µs (ESP32 datasheet, power-up and reset timing: t_RST)
 * and the bridge's transistor empties the capacitor on EN in well under a millisecond; esptool's 0.1 s
 * is kept for the retries (with the long GPIO0 delay), so a board that wants more still gets it.
 */
export const EN_PULSE_MS = 20;
export const ESPTOOL_EN_PULSE_MS = 100;

/** The EN pulse that goes with a GPIO0 delay: short on first tries, esptool's on the slow retries. */
function enPulseFor(enDelayMs: number): number {
  return enDelayMs > SHORT_EN_DELAY_MS ? ESPTOOL_EN_PULSE_MS : EN_PULSE_MS;
}

/** Classic: DTR=0,RTS=1; wait (EN pulse); DTR=1,RTS=0; wait delay; DTR=0 (one line per esptool call). */
export function classicReset(enDelayMs: number): ResetStrategy {
  return {
    name: 'classic',
    enDelayMs,
    steps: [
      { dtr: false, rts: false },
      { dtr: false, rts: true, waitMs: enPulseFor(enDelayMs) },
      { dtr: true, rts: true },
      { dtr: true, rts: false, waitMs: enDelayMs },
      { dtr: false, rts: false },
    ],
  };
}

/** Unix-tight: both lines per step, passing through (1,1) so EN never glitches. */
export function unixTightReset(enDelayMs: number): ResetStrategy {
  return {
    name: 'unix-tight',
    enDelayMs,
    steps: [
      { dtr: false, rts: false },
      { dtr: true, rts: true },
      { dtr: false, rts: true, waitMs: enPulseFor(enDelayMs) },
      { dtr: true, rts: false, waitMs: enDelayMs },
      { dtr: false, rts: false },
    ],
  };
}

/** Native USB-Serial/JTAG peripheral: the chip interprets the line changes itself. */
export function usbJtagSerialReset(): ResetStrategy {
  return {
    name: 'usb-jtag-serial',
    enDelayMs: 100,
    steps: [
      { dtr: false, rts: false, waitMs: 100 },
      { dtr: true, rts: false, waitMs: 100 },
      { dtr: true, rts: true },
      { dtr: false, rts: true, waitMs: 100 },
      { dtr: false, rts: false },
    ],
  };
}

/** Pulls EN low (EN_PULSE_MS) with GPIO0 released: the chip boots the flashed firmware. */
export const HARD_RESET: readonly ResetStep[] = [
  { dtr: false, rts: true, waitMs: EN_PULSE_MS },
  { dtr: false, rts: false },
];

/**
 * The strategies the connect loop cycles through, in esptool's order: unix-tight first where the
 * transport sets both lines atomically, classic with short and long EN delays as fallbacks.
 */
export function resetSequence(before: BeforeMode, opts: { tightLines?: boolean } = {}): readonly ResetStrategy[] {
  if (before === 'no-reset') return [];
  if (before === 'usb-reset') return [usbJtagSerialReset()];
  const classic = [classicReset(SHORT_EN_DELAY_MS), classicReset(LONG_EN_DELAY_MS)];
  if (opts.tightLines === false) return classic;
  return [unixTightReset(SHORT_EN_DELAY_MS), unixTightReset(LONG_EN_DELAY_MS), ...classic];
}

export function strategyByName(name: ResetStrategyName, enDelayMs = SHORT_EN_DELAY_MS): ResetStrategy {
  switch (name) {
    case 'classic':
      return classicReset(enDelayMs);
    case 'unix-tight':
      return unixTightReset(enDelayMs);
    case 'usb-jtag-serial':
      return usbJtagSerialReset();
  }
}

export async function runSteps(transport: Transport, steps: readonly ResetStep[]): Promise<void> {
  for (const s of steps) {
    const lines: ControlLines = { dtr: s.dtr, rts: s.rts };
    await transport.setSignals(lines);
    if (s.waitMs) await sleep(s.waitMs);
  }
}

export async function hardReset(transport: Transport): Promise<void> {
  if (!transport.capabilities.controlLines) return;
  await runSteps(transport, HARD_RESET);
}
