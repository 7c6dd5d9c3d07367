import { ROM_MAGIC_REG, type ChipSpec } from '../chips/index.js';
import { UpyflashError, isUpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { sleep } from '../platform/sleep.js';
import { readCrystalMHz } from './detect.js';

/** Rate the ROM loaders sync at. */
export const SYNC_BAUD = 115200;
/** Rate used after sync unless --baud says otherwise. */
export const DEFAULT_FAST_BAUD = 921600;
/** Where the flasher falls back to, in order, when a rate does not work on this cable. */
export const FALLBACK_BAUDS = [4000000, 3000000, 2000000, 1500000, 921600, 460800, 230400, 115200] as const;

/**
 * The rate a change goes for. A rate that stepped down earlier in the job (`agreed` below what was
 * `asked`: the ROM's change before the stub went back to the sync rate, or a mid-job slow-down) is as
 * fast as this link goes; otherwise `wanted`, fitted under the chip's UART ceiling.
 */
export function chooseTarget(wanted: number, ceiling: number, agreed: number | undefined, asked: number | undefined): { target: number; steppedDown: boolean } {
  const steppedDown = agreed !== undefined && asked !== undefined && agreed < asked;
  return { target: steppedDown ? agreed : fitUnder(wanted, ceiling), steppedDown };
}

/**
 * `wanted` where the UART can run it, else the fastest fallback rate under `ceiling` (a chip's UART
 * ceiling, chips/uart.ts): asking the ROM for 4 Mbaud would only garble the line.
 */
export function fitUnder(wanted: number, ceiling: number): number {
  if (wanted <= ceiling) return wanted;
  return FALLBACK_BAUDS.find((b) => b <= ceiling) ?? SYNC_BAUD;
}

/**
 * Quiet time after a switch before the input is flushed. esptool sleeps 50 ms to "get rid of crap sent
 * during baud rate change"; here every change is followed by a proof round trip that is retried after
 * a drain, so a stray byte later than this costs one retry instead of every job paying 40 ms more.
 */
const SETTLE_MS = 10;
const PROOF_TRIES = 2;
const PROOF_TIMEOUT_MS = 500;

export interface BaudOptions {
  readonly chip: ChipSpec;
  /** The stub is running: it wants the current rate as the second word and needs no crystal correction. */
  readonly stub: boolean;
  /** The user chose this rate (--baud): do not drop to lower rates on failure. */
  readonly exact: boolean;
  /** READ_REG is refused in Secure Download Mode: prove the link with GET_SECURITY_INFO instead. */
  readonly secureDownload?: boolean;
  /**
   * Last resort when the chip answers neither at the new rate nor, after being told to go back, at the
   * old one: reset it and bring the loader back at SYNC_BAUD. Resolves with whether the stub runs then.
   */
  readonly restart?: () => Promise<boolean>;
  /**
   * Round trips a new rate gets to prove itself (default 2). One where a failed proof costs little: a
   * ROM-first change that does not hold is undone by a reset and the stub changes the rate instead.
   */
  readonly proofTries?: number;
}

/** Why a rate failed its proof, in words a user reads in the one-line warning. */
type ProofFailure = 'no reply' | 'garbled replies';

/**
 * Moves the link to `target` and makes the new rate prove itself before anything relies on it: a
 * round trip with a known answer (the chip's magic register). A rate that fails is undone (told
 * CHANGE_BAUDRATE back blind, at the rate the chip may now be at), the last good rate proves itself
 * again, and the next lower rate is tried, unless the user asked for exactly this rate (E014).
 * Resolves with the rate in use.
 */
export async function changeBaud(link: LoaderLink, target: number, opts: BaudOptions, reporter: Reporter): Promise<number> {
  let good = link.transport.baud;
  if (target === good) return good;
  if (!link.dialect?.supportsChangeBaud) {
    reporter.warn(`The ${opts.chip.name} ROM loader cannot change the baud rate; staying at ${good} baud.`);
    return good;
  }
  let stub = opts.stub;
  const lower = FALLBACK_BAUDS.filter((b) => b < target && b > good);
  const candidates = opts.exact ? [target] : [target, ...lower];
  let why: ProofFailure | undefined;
  // What to ask for to come back to `good`, worked out while the link still works there.
  let back = stub ? good : await romRateFor(link, opts.chip, good);
  for (const rate of candidates) {
    const failed = await tryRate(link, rate, good, { ...opts, stub });
    if (!failed) {
      if (rate !== target) reporter.warn(`${target} baud did not hold (${why}); continuing at ${rate} baud.`);
      reporter.info(`Changed baud rate to ${rate}`);
      return rate;
    }
    why ??= failed;
    reporter.debug(`${rate} baud failed its proof (${failed})`);
    if (opts.exact) {
      throw new UpyflashError('BAUD_FAILED', `${target} baud did not hold (${failed})`, { details: { baud: target } });
    }
    if (await goBack(link, rate, good, back, { ...opts, stub })) continue;
    if (!opts.restart) throw new UpyflashError('BAUD_FAILED', `${rate} baud did not hold (${failed}) and ${good} baud does not answer any more`);
    reporter.debug(`no answer at ${rate} or ${good} baud; resetting the chip`);
    stub = await opts.restart();
    good = link.transport.baud;
    back = stub ? good : await romRateFor(link, opts.chip, good);
  }
  reporter.warn(`${target} baud did not hold (${why}); continuing at ${good} baud.`);
  return good;
}

/** CHANGE_BAUDRATE to `rate` at `current`, host follows, proof. Undefined = the rate holds. */
async function tryRate(link: LoaderLink, rate: number, current: number, opts: BaudOptions): Promise<ProofFailure | undefined> {
  const requested = opts.stub ? rate : await romRateFor(link, opts.chip, rate);
  try {
    // The loader answers at once, before it switches: waiting esptool's 3 s for a lost ack only delays the proof.
    await link.command({ ...commands.changeBaud(requested, opts.stub ? current : 0), timeoutMs: PROOF_TIMEOUT_MS });
  } catch (e) {
    // At a marginal rate the ack may be lost although the chip switched; the proof decides.
    if (isUpyflashError(e, 'DISCONNECTED')) throw e;
  }
  await settleAt(link, rate);
  return prove(link, opts);
}

/**
 * After a failed proof the chip is most likely at `failed` (it acknowledged the change) but cannot be
 * heard reliably there: tell it to go back, blind, at that rate, follow at `good` and prove it again.
 */
async function goBack(link: LoaderLink, failed: number, good: number, requested: number, opts: BaudOptions): Promise<boolean> {
  try {
    await link.send(commands.changeBaud(requested, opts.stub ? failed : 0));
  } catch (e) {
    if (isUpyflashError(e, 'DISCONNECTED')) throw e;
  }
  // The chip answers (at `failed`) before it switches: let that pass before the host moves.
  await sleep(SETTLE_MS);
  await settleAt(link, good);
  // A chip that never left `good` (its ack was lost the other way round) answers here too.
  return (await prove(link, opts)) === undefined;
}

async function settleAt(link: LoaderLink, rate: number): Promise<void> {
  await link.transport.setBaud(rate);
  // Bytes sent during the switch are garbage at one end or the other.
  await sleep(SETTLE_MS);
  await link.transport.flushInput();
  link.reset();
}

/**
 * A round trip whose answer is known: the magic register holds one of the chip's magic values. In
 * Secure Download Mode READ_REG is refused; two GET_SECURITY_INFO answers must then agree.
 */
async function prove(link: LoaderLink, opts: BaudOptions): Promise<ProofFailure | undefined> {
  let failure: ProofFailure = 'no reply';
  let previous: string | undefined;
  for (let i = 0; i < (opts.proofTries ?? PROOF_TRIES); i++) {
    const bytesBefore = link.bytesRead;
    try {
      if (opts.secureDownload) {
        const reply = await link.command({ ...commands.securityInfo(), timeoutMs: PROOF_TIMEOUT_MS });
        const text = Array.from(reply.data).join(',');
        if (previous === text) return undefined;
        previous = text;
        continue;
      }
      const reply = await link.command({ ...commands.readReg(ROM_MAGIC_REG), timeoutMs: PROOF_TIMEOUT_MS });
      if (opts.chip.magicValues.includes(reply.value >>> 0)) return undefined;
      failure = 'garbled replies';
    } catch (e) {
      if (isUpyflashError(e, 'DISCONNECTED')) throw e;
      // Bytes came back but no reply could be read from them: the rate is wrong somewhere on the way.
      if (link.bytesRead > bytesBefore || (isUpyflashError(e) && e.kind !== 'TIMEOUT')) failure = 'garbled replies';
      await link.drain(20);
      link.reset();
    }
  }
  return failure;
}

/**
 * The ESP32 ROM derives the UART divider from an internal clock estimate that drifts; esptool asks for
 * `baud * romFreq / realCrystal` so the chip lands on the intended rate (targets/esp32.py change_baud).
 */
async function romRateFor(link: LoaderLink, chip: ChipSpec, baud: number): Promise<number> {
  if (chip.romUartXtal) return romRateForCrystal(link, chip, baud);
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

/**
 * A ROM that divides for another crystal than the chip has (chip.romUartXtal: the ESP32-C2 ROM assumes
 * 40 MHz on 26 MHz parts, the C5 ROM believes PCR_SYSCLK_CONF) is asked for `baud * romMHz / realMHz`
 * (esptool targets/esp32c2.py and esp32c5.py change_baud). Where registers cannot be read (Secure
 * Download Mode) nothing can be corrected.
 */
async function romRateForCrystal(link: LoaderLink, chip: ChipSpec, baud: number): Promise<number> {
  const x = chip.romUartXtal!;
  try {
    const romMHz = 'assumedMHz' in x ? x.assumedMHz : ((await link.command(commands.readReg(x.reg))).value >>> x.shift) & x.mask;
    const realMHz = await readCrystalMHz(link, chip, link.transport.baud);
    return romMHz > 0 && romMHz !== realMHz ? Math.floor((baud * romMHz) / realMHz) : baud;
  } catch (e) {
    if (isUpyflashError(e, 'UNSUPPORTED_COMMAND')) return baud;
    throw e;
  }
}
