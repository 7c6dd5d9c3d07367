import { ROM_MAGIC_REG } from '../../chips/index.js';
import { UpyflashError, isUpyflashError } from '../../errors.js';
import { Reporter } from '../../progress.js';
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

/**
 * Resets the chip into the ROM loader again and attaches the flash, as connect() did. Resolves with
 * the loader that answered: without a reset, a stub at the sync rate may answer the SYNC itself.
 */
export async function reconnectRom(s: Session): Promise<Session['loader']> {
  // A reset brings the ROM back at the sync rate, whatever rate was agreed before.
  const lastRate = s.transport.baud;
  if (s.transport.baud !== SYNC_BAUD && s.transport.capabilities.baudRate) await s.transport.setBaud(SYNC_BAUD);
  s.rate.settled = false;
  const conn = await connectAgain(s, lastRate);
  if (resetProven(conn)) s.reset.proven = true;
  if (conn.stubRunning) {
    // Not reset, and the stub was there all along (busy when it was last asked).
    s.link.dialect = s.chip.stub;
    s.loader = 'stub';
    return s.loader;
  }
  s.link.dialect = s.chip.rom;
  s.loader = 'rom';
  await attachFlash(s);
  return s.loader;
}

/**
 * connectLoader once more. Where it cannot reset the chip, a loader that no longer syncs is gone or at
 * a rate nobody knows: one error (E017) says so and what the user can do, and connect's own account of
 * the first connection (its "not resetting" line, its boot-text diagnosis) goes to --verbose only.
 */
async function connectAgain(s: Session, lastRate: number): Promise<Connection> {
  const before = s.opts.before ? { before: s.opts.before } : {};
  if (willReset(s)) return connectLoader(s.transport, before, s.reporter, s.link);
  try {
    // Without a reset nothing changes between attempts: one round of SYNCs says whether a loader is there.
    return await connectLoader(s.transport, { ...before, attempts: 1 }, quietReporter(s.reporter), s.link);
  } catch (e) {
    if (!isUpyflashError(e) || !CONNECT_FAILURES.has(e.kind)) throw e;
    const rates = lastRate === SYNC_BAUD ? `${SYNC_BAUD} baud` : `${lastRate} baud (the rate last set) nor at ${SYNC_BAUD} (the sync rate)`;
    throw new UpyflashError('LOADER_RATE_UNKNOWN', `The ${s.chip.name}'s loader stopped answering: not at ${rates}, and nothing on ${s.transport.name} can reset it`, {
      cause: e,
      details: { lastRate, syncRate: SYNC_BAUD, port: s.transport.name },
    });
  }
}

const CONNECT_FAILURES: ReadonlySet<string> = new Set(['NO_SERIAL_DATA', 'NO_SYNC_REPLY', 'WRONG_BOOT_MODE']);

/** connectLoader will try a DTR/RTS reset on this link (it has the lines and --before allows it). */
export function willReset(s: Session): boolean {
  return s.reset.controlLines && s.opts.before !== 'no-reset';
}

/** Lines said once at the first connect are only --verbose detail on a reconnect. */
export function quietReporter(r: Reporter): Reporter {
  return new Reporter({ emit: (e) => (e.type === 'log' ? r.debug(e.message) : undefined) });
}
