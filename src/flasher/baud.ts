import { ROM_MAGIC_REG, type ChipSpec } from '../chips/index.js';
import { UpyflashError, isUpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { sleep } from '../platform/sleep.js';

/** Rate the ROM loaders sync at. */
export const SYNC_BAUD = 115200;
/** Rate used after sync unless --baud says otherwise. */
export const DEFAULT_FAST_BAUD = 921600;
/** Where the flasher falls back to, in order, when a rate does not work on this cable. */
export const FALLBACK_BAUDS = [2000000, 1500000, 921600, 460800, 230400, 115200] as const;

const SETTLE_MS = 50;
const VERIFY_TRIES = 2;
const VERIFY_TIMEOUT_MS = 500;

export interface BaudOptions {
  readonly chip: ChipSpec;
  /** The stub is running: it wants the current rate as the second word and needs no crystal correction. */
  readonly stub: boolean;
  /** The user chose this rate (--baud): do not drop to lower rates on failure. */
  readonly exact: boolean;
  /** READ_REG is refused in Secure Download Mode: verify with GET_SECURITY_INFO instead. */
  readonly secureDownload?: boolean;
}

/**
 * Moves the link to `target` (CHANGE_BAUDRATE, then the host side), checks the link at the new rate
 * with a harmless command, and walks down FALLBACK_BAUDS by itself when the check fails. Resolves
 * with the rate in use.
 */
export async function changeBaud(link: LoaderLink, target: number, opts: BaudOptions, reporter: Reporter): Promise<number> {
  const transport = link.transport;
  const from = transport.baud;
  if (target === from) return from;
  if (!link.dialect?.supportsChangeBaud) {
    reporter.warn(`The ${opts.chip.name} ROM loader cannot change the baud rate; staying at ${from} baud.`);
    return from;
  }
  const candidates = opts.exact ? [target] : [target, ...FALLBACK_BAUDS.filter((b) => b < target)];
  let current = from;
  for (const rate of candidates) {
    if (rate === current) {
      if (await linkWorks(link, opts)) return rate;
      continue;
    }
    const ok = await switchTo(link, rate, current, opts);
    current = rate;
    if (ok) {
      if (rate !== target) reporter.warn(`${target} baud did not work on this link; using ${rate} baud instead.`);
      reporter.info(`Changed baud rate to ${rate}`);
      return rate;
    }
    reporter.debug(`link check failed at ${rate} baud`);
  }
  if (opts.exact) {
    throw new UpyflashError('BAUD_FAILED', `The link does not work at ${target} baud`, { details: { baud: target } });
  }
  throw new UpyflashError('BAUD_FAILED', `The link did not work at any rate from ${target} down to ${current} baud`);
}

async function switchTo(link: LoaderLink, rate: number, current: number, opts: BaudOptions): Promise<boolean> {
  const requested = opts.stub ? rate : await romRateFor(link, opts.chip, rate);
  try {
    await link.command(commands.changeBaud(requested, opts.stub ? current : 0));
  } catch (e) {
    // At a marginal rate the ack may be lost although the chip switched; the check below decides.
    if (isUpyflashError(e, 'DISCONNECTED')) throw e;
  }
  await link.transport.setBaud(rate);
  // Bytes sent during the switch are garbage at one end or the other.
  await sleep(SETTLE_MS);
  await link.transport.flushInput();
  link.reset();
  return linkWorks(link, opts);
}

async function linkWorks(link: LoaderLink, opts: BaudOptions): Promise<boolean> {
  const probe = opts.secureDownload ? commands.securityInfo() : commands.readReg(ROM_MAGIC_REG);
  for (let i = 0; i < VERIFY_TRIES; i++) {
    try {
      await link.command({ ...probe, timeoutMs: VERIFY_TIMEOUT_MS });
      return true;
    } catch (e) {
      if (isUpyflashError(e, 'DISCONNECTED')) throw e;
      await link.drain(20);
      link.reset();
    }
  }
  return false;
}

/**
 * The ESP32 ROM derives the UART divider from an internal clock estimate that drifts; esptool asks for
 * `baud * romFreq / realCrystal` so the chip lands on the intended rate (targets/esp32.py change_baud).
 */
async function romRateFor(link: LoaderLink, chip: ChipSpec, baud: number): Promise<number> {
  const c = chip.romBaudCorrection;
  if (!c) return baud;
  const cali = ((await link.command(commands.readReg(c.rtcCaliReg))).value >>> c.caliShift) & c.caliMask;
  const ck8m = (await link.command(commands.readReg(c.ck8mEfuseReg))).value & 0xff;
  const romFreq = (cali * 15625 * ck8m) / 40;
  // Blank calibration (emulators, virtual boards) gives 0: nothing to correct.
  if (romFreq <= 0) return baud;
  const realCrystal = romFreq > 33_000_000 ? 40_000_000 : 26_000_000;
  return Math.floor((baud * romFreq) / realCrystal);
}
