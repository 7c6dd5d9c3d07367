import { uartMaxBaud } from '../../chips/index.js';
import { isUpyflashError } from '../../errors.js';
import { type AutoBaud, autoBaudReport, firstAutoRate } from '../auto-baud.js';
import { type BaudOptions, DEFAULT_FAST_BAUD, SYNC_BAUD, changeBaud, chooseTarget, fitUnder } from '../baud.js';
import { runStub } from '../stub.js';
import { setFlashParams } from './identify.js';
import { type Session, resetUndoes, stubPlanned } from './link-state.js';
import { reconnectRom, resyncRom } from './rom-link.js';

/**
 * Moves to the fast rate (921600 by default, --baud, or what --baud auto picked), capped at what the
 * chip's UART can run with the loader that is running (chips/uart.ts): before the stub that is the
 * ROM's ceiling, and a stub that raises the UART clock is asked for the rest once it runs. Every change
 * proves itself with a round trip before it is relied on, and a rate that does not hold is undone
 * (baud.ts).
 */
export async function ensureBaud(s: Session, how: { oneRate?: boolean } = {}): Promise<void> {
  if (s.rate.settled) return;
  s.rate.settled = true;
  const exact = s.opts.baud !== undefined;
  // A raw socket cannot tell the bridge a new rate: keep the sync rate unless --baud asks, which
  // emulators (Espressif's QEMU) and bridges that follow the chip's rate need; esptool changes there too.
  if (!s.transport.capabilities.baudRate && !exact) return;
  if (romRateStays(s, exact)) return;
  const auto = exact ? undefined : s.opts.autoBaud;
  if (auto?.candidates === 'native') return sayNoUartOnce(s, auto);
  const autoFirst = auto ? firstAutoRate(auto) : undefined;
  const wanted = s.opts.baud ?? autoFirst ?? DEFAULT_FAST_BAUD;
  const ceiling = uartMaxBaud(s.chip, s.loader === 'stub');
  const { target, steppedDown } = chooseTarget(wanted, ceiling, s.rate.agreed, s.rate.asked);
  // The last change of the job: the stub runs, or none will come that goes back to the sync rate.
  const final = s.loader === 'stub' || !stubPlanned(s) || !s.chip.stubRestoresRomBaud;
  if (exact && final && target < wanted && !steppedDown) {
    s.reporter.warn(`${wanted} baud is beyond the ${s.chip.name}'s UART in download mode (at most ${ceiling}); using ${target} baud.`);
  }
  if (target !== s.transport.baud) await changeTo(s, target, steppedDown, exact && target === wanted, how.oneRate === true);
  if (auto && final && !s.rate.autoReported) {
    await reportAutoBaud(s, auto, { rate: s.rate.agreed ?? s.transport.baud, target: fitUnder(autoFirst ?? wanted, ceiling), first: autoFirst });
  }
}

/**
 * The ROM loader is the last loader of the job (no stub: --no-stub, a stub that failed, Secure Download
 * Mode) and nothing known can reset the chip: a rate the ROM then sets wrongly could never be undone,
 * so it keeps the sync rate unless --baud asks for a rate (then it is the only way, and the user's call).
 */
function romRateStays(s: Session, exact: boolean): boolean {
  if (s.loader !== 'rom' || exact || resetUndoes(s)) return false;
  if (!s.rate.autoReported) s.reporter.info(`Staying at ${s.transport.baud} baud with the ROM loader: no reset on this link could undo a rate change that fails (--baud asks for one anyway).`);
  s.rate.autoReported = true;
  return true;
}

function sayNoUartOnce(s: Session, auto: AutoBaud): void {
  if (!s.rate.autoReported) {
    s.reporter.info(`--baud auto: ${auto.bridgeName} has no UART, so the baud rate does not matter; staying at ${s.transport.baud}.`);
  }
  s.rate.autoReported = true;
}

/** `oneRate`: only `target`, proven once; a failure throws E014 and the caller undoes it (stub-life.ts). */
async function changeTo(s: Session, target: number, steppedDown: boolean, exact: boolean, oneRate: boolean): Promise<void> {
  if (!s.transport.capabilities.baudRate) {
    s.reporter.info(`${s.transport.name} cannot tell the far end a new rate; changing the chip to ${target} baud as --baud asks.`);
  }
  s.reporter.phase('baud', `Changing baud rate to ${target}...`);
  if (!steppedDown) s.rate.asked = target;
  const opts = baudOptions(s, exact || oneRate);
  s.rate.agreed = await changeBaud(s.link, target, oneRate ? { ...opts, proofTries: 1 } : opts, s.reporter);
}

/** --baud auto says once what it settled on, and remembers a rate worth starting from next time. */
async function reportAutoBaud(s: Session, auto: AutoBaud, result: { rate: number; target: number; first: number | undefined }): Promise<void> {
  s.rate.autoReported = true;
  const outcome = { ...result, chipName: s.chip.name };
  const { line, remember } = autoBaudReport(auto, outcome);
  s.reporter.info(line);
  if (remember) await auto.memory?.remember(auto.bridgeKey, outcome.rate);
}

export function baudOptions(s: Session, exact: boolean): BaudOptions {
  return {
    chip: s.chip,
    stub: s.loader === 'stub',
    exact,
    secureDownload: s.detection.secureDownload,
    restart: () => restartLoader(s),
  };
}

/** Neither rate answers any more: reset into the ROM at the sync rate, and bring the stub back if it ran. */
export async function restartLoader(s: Session): Promise<boolean> {
  const hadStub = s.loader === 'stub';
  s.loader = 'rom';
  await s.transport.setBaud(SYNC_BAUD);
  const answered = await reconnectRom(s);
  s.rate.settled = true;
  // Without a reset, a stub that had gone back to the sync rate answers the SYNC itself.
  if (answered === 'stub') return true;
  if (!hadStub || !s.opts.stubProvider) return false;
  try {
    await runStub(s.link, s.chip, await s.opts.stubProvider(s.chip), s.reporter);
    s.loader = 'stub';
    await setFlashParams(s);
  } catch (e) {
    if (!isUpyflashError(e, 'STUB_FAILED')) throw e;
    s.reporter.warn(`${e.message}; continuing with the ROM loader (slower).`);
    await resyncRom(s);
  }
  return s.loader === 'stub';
}
