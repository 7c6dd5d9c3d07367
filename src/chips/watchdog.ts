import type { RegisterWrite } from './types.js';

/** RTC_CNTL_WDT_WKEY: the write-protect key of the RTC watchdog (LP_WDT on the C6 takes the same). */
const RWDT_KEY = 0x50d83aa1;
/** CONFIG0: enabled (31), stage 0 action 5 (28..30), flash-boot protection (8), and 2 in bits 0..1, as esptool writes it. */
const RWDT_ENABLE = ((1 << 31) | (5 << 28) | (1 << 8) | 2) >>> 0;

/**
 * esptool's watchdog reset as data: unlock, set the stage-0 timeout (slow-clock ticks), enable, lock.
 * `before` goes first (the S3 clears its forced-download flag so the reset boots the firmware).
 */
export function rtcWatchdogReset(
  regs: { readonly config0: number; readonly config1: number; readonly protect: number },
  timeoutTicks: number,
  before: readonly RegisterWrite[] = [],
): readonly RegisterWrite[] {
  return [
    ...before,
    { addr: regs.protect, value: RWDT_KEY },
    { addr: regs.config1, value: timeoutTicks },
    { addr: regs.config0, value: RWDT_ENABLE },
    { addr: regs.protect, value: 0 },
  ];
}
