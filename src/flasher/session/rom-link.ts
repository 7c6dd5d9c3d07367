import { ROM_MAGIC_REG } from '../../chips/index.js';
import { commands } from '../../protocol/commands.js';
import { SYNC_BAUD } from '../baud.js';
import { type Connection, connectLoader } from '../connect.js';
import { commandWithRetry } from '../retry.js';
import { isRetryable } from '../write.js';
import { attachFlash } from './identify.js';
import type { Session } from './link-state.js';
import { RECOVER_DRAIN_MS } from './recover.js';

/** A READ_REG is answered within milliseconds; this only has to outlast line and USB latency. */
export const ROM_PROBE_TIMEOUT_MS = 300;

/**
 * The connection came up through a DTR/RTS reset and the ROM loader answered right after it: resets
 * on this transport are known to bring the ROM back. (connectLoader only runs a reset strategy where the
 * transport has control lines; a stub that answers instead was not reset.)
 */
export function resetProven(conn: Connection): boolean {
  return conn.strategy !== undefined && !conn.stubRunning;
}

/** After a failed stub start the chip may have jumped into garbage: reconnect to the ROM. */
export async function resyncRom(s: Session): Promise<void> {
  s.link.dialect = s.chip.rom;
  await s.link.drain(RECOVER_DRAIN_MS);
  s.link.reset();
  if (!(await romAnswers(s))) await reconnectRom(s);
}

/** Is the ROM loader still there at the current rate? (A short READ_REG, tried twice.) */
export async function romAnswers(s: Session): Promise<boolean> {
  s.link.dialect = s.chip.rom;
  try {
    await commandWithRetry(s.link, { ...commands.readReg(ROM_MAGIC_REG), timeoutMs: ROM_PROBE_TIMEOUT_MS }, 2);
    return true;
  } catch (e) {
    if (!isRetryable(e)) throw e;
    return false;
  }
}

/** Resets the chip into the ROM loader again and attaches the flash, as connect() did. */
export async function reconnectRom(s: Session): Promise<void> {
  // A reset brings the ROM back at the sync rate, whatever rate was agreed before.
  if (s.transport.baud !== SYNC_BAUD && s.transport.capabilities.baudRate) await s.transport.setBaud(SYNC_BAUD);
  s.rate.settled = false;
  const conn = await connectLoader(s.transport, { ...(s.opts.before ? { before: s.opts.before } : {}) }, s.reporter, s.link);
  if (resetProven(conn)) s.reset.proven = true;
  s.link.dialect = s.chip.rom;
  s.loader = 'rom';
  await attachFlash(s);
}
