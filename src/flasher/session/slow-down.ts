import { UpyflashError } from '../../errors.js';
import { FALLBACK_BAUDS, SYNC_BAUD, changeBaud } from '../baud.js';
import { isRetryable } from '../write.js';
import { type Session, resetUndoes } from './link-state.js';
import { baudOptions, restartLoader } from './rate.js';
import { recover } from './recover.js';
import { quietReporter } from './rom-link.js';

/** Attempts at the step to a lower rate while the link still answers at the bad one. */
const STEP_DOWN_TRIES = 3;

/**
 * The line kept corrupting frames mid-job at this rate: step down to the next lower rate through the
 * same proven change as ensureBaud (baud.ts), saying so in one line. Never below the sync rate. A
 * rate the user chose with --baud is kept, as esptool keeps -b: one warning, and after a second run
 * of failures without progress, E014 (lower --baud) rather than hours of retries.
 */
export async function slowDown(s: Session, why: string, streak: number): Promise<number | undefined> {
  const from = s.transport.baud;
  const next = FALLBACK_BAUDS.find((b) => b < from && b >= SYNC_BAUD);
  if (next === undefined || !s.link.dialect?.supportsChangeBaud || !s.transport.capabilities.baudRate) return undefined;
  if (s.loader === 'rom' && !resetUndoes(s)) {
    // A ROM that takes a rate wrongly could never be brought back without a reset: keep this one.
    s.reporter.debug(`${from} baud is failing (${why}); not stepping the ROM loader down, as no reset on this link could undo it`);
    return undefined;
  }
  if (s.opts.baud !== undefined) {
    if (streak >= 2) {
      throw new UpyflashError('BAUD_FAILED', `${from} baud kept corrupting frames mid-job (${why}); --baud ${from} was kept as asked`, {
        details: { baud: from },
      });
    }
    s.reporter.warn(`${from} baud is corrupting frames (${why}); keeping it because --baud asks for it.`);
    return undefined;
  }
  const now = await stepDown(s, from, next);
  s.reporter.warn(`${from} baud kept failing mid-job (${why}); continuing at ${now} baud.`);
  // A stub that restarts later goes back to this rate, not the one that failed.
  s.rate.agreed = now;
  return now;
}

/** The proven change from `from` to `next`, from a reset if the link no longer carries it. */
async function stepDown(s: Session, from: number, next: number): Promise<number> {
  // baud.ts's own warnings would describe each attempt; here one line (slowDown's) says what happened.
  const quiet = quietReporter(s.reporter);
  let now = from;
  try {
    // A change whose proof failed is undone back to `from`: try it again (its frames can be garbled too).
    for (let i = 0; i < STEP_DOWN_TRIES && now > next; i++) now = await changeBaud(s.link, next, baudOptions(s, false), quiet);
  } catch (e) {
    // The ROM's rate correction reads registers at the bad rate and can fail: start over from a reset.
    if (!isRetryable(e)) throw e;
    s.reporter.debug(`step down to ${next} baud failed (${(e as Error).message}); resetting the chip`);
    await recover(s);
    await restartLoader(s);
    now = s.transport.baud;
  }
  // Only a reset brought the chip back (at the sync rate): go up to `next` again from there.
  if (now < next) now = await changeBaud(s.link, next, baudOptions(s, false), quiet);
  return now;
}
