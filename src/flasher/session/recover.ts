import { type Range, flashMd5 } from '../md5.js';
import { lineFault } from '../line-faults.js';
import { isRetryable } from '../write.js';
import type { LinkState } from './link-state.js';

/** The longest a recovery waits for late replies to die down. */
export const RECOVER_DRAIN_MS = 500;
const RECOVER_QUIET_MS = 25;

/** After a failed exchange: swallow late replies, forget partial frames. */
export async function recover(s: LinkState): Promise<void> {
  // Late replies to blocks still in flight are harmless (other opcode, skipped), so wait only until
  // the line is quiet rather than a fixed long time.
  const deadline = Date.now() + RECOVER_DRAIN_MS;
  for (;;) {
    const before = s.link.bytesRead;
    await s.link.drain(RECOVER_QUIET_MS);
    if (s.link.bytesRead === before || Date.now() > deadline) break;
  }
  s.link.reset();
}

/**
 * The chip's MD5 of a flash range, asked again (after a recovery) when the line garbles the exchange;
 * `afterNoReply` runs when a try got no reply at all (lost-loader.ts checks the loader is still there).
 */
export async function md5WithRetry(s: LinkState, r: Range, afterNoReply?: () => Promise<void>): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      // One try each: the recovery between tries is what helps, and a chip that is gone should not
      // be waited for three MD5 timeouts (8 s/MB each) before anything checks on it.
      return await flashMd5(s.link, r, 1);
    } catch (e) {
      if (!isRetryable(e) || i >= 2) throw e;
      await recover(s);
      if (afterNoReply && lineFault(e) === 'no reply') await afterNoReply();
    }
  }
}
