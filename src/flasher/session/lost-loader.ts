import { ROM_MAGIC_REG } from '../../chips/index.js';
import { commands } from '../../protocol/commands.js';
import { commandWithRetry } from '../retry.js';
import { isRetryable } from '../write.js';
import type { Range } from '../md5.js';
import { type Session, resetUndoes } from './link-state.js';
import { ensureBaud, restartLoader } from './rate.js';
import { md5WithRetry } from './recover.js';

/**
 * How long a loader that stopped answering is given before it counts as gone. The region before has
 * already waited out its block timeouts (three of them, write.ts) in silence, so a stub still busy
 * with flash work is unlikely; a second round trip covers a lost frame.
 */
const PROBE_TIMEOUT_MS = 500;
const PROBE_TRIES = 2;

/**
 * After a region or chunk got no reply at all, on a link without a proven reset: is the loader still
 * there? A READ_REG at the current rate says so. When no frame at all comes back, restartLoader tries a
 * SYNC at the sync rate (which a chip reset into download mode answers), and where that fails too the
 * job ends with E017 within seconds (rom-link.ts) instead of sending every region into silence.
 */
export async function checkLoader(s: Session): Promise<void> {
  // Where a reset works, a loader that is gone is brought back by the slow-down's restart (slow-down.ts).
  if (resetUndoes(s) || (await loaderHeard(s))) return;
  s.reporter.debug(`the ${s.loader === 'stub' ? 'stub' : 'ROM loader'} does not answer at ${s.transport.baud} baud; bringing it back`);
  const hadStub = s.loader === 'stub';
  await restartLoader(s);
  if (hadStub && s.loader !== 'stub') return;
  // Back up to the rate the job had agreed (restartLoader leaves the link at the sync rate).
  s.rate.settled = false;
  await ensureBaud(s);
}

/**
 * The loader answers at the current rate, or at least sends frames (a line that garbles them is no lost
 * loader; a chip that reset into its firmware prints text, not frames).
 */
async function loaderHeard(s: Session): Promise<boolean> {
  const before = s.link.framesRead;
  try {
    await commandWithRetry(s.link, { ...commands.readReg(ROM_MAGIC_REG), timeoutMs: PROBE_TIMEOUT_MS }, PROBE_TRIES);
    return true;
  } catch (e) {
    if (!isRetryable(e)) throw e;
    return s.link.framesRead > before;
  }
}

/** The chip's MD5 of a range, retried on a garbling line, and ended with E017 when the loader is gone. */
export function chipMd5(s: Session, r: Range): Promise<string> {
  return md5WithRetry(s, r, () => checkLoader(s));
}
