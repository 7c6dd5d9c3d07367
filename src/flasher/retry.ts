import { isUpyflashError } from '../errors.js';
import { type Command, DEFAULT_TIMEOUT_MS } from '../protocol/commands.js';
import type { LoaderLink, Reply } from '../protocol/loader-link.js';

const SMALL_COMMAND_TRIES = 3;
/** Register and setup commands are answered within milliseconds; waiting esptool's 3 s on a lost one is waste. */
const SMALL_COMMAND_TIMEOUT_MS = 1000;

/**
 * Sends an idempotent command (READ_REG, WRITE_REG, SPI_ATTACH, SPI_SET_PARAMS, MD5 ...) and sends it
 * again when it was lost or garbled on the line. Refusals that mean "not supported" are not retried.
 */
export async function commandWithRetry(link: LoaderLink, c: Command, tries = SMALL_COMMAND_TRIES): Promise<Reply> {
  for (let i = 0; ; i++) {
    try {
      return await link.command(c.timeoutMs === DEFAULT_TIMEOUT_MS ? { ...c, timeoutMs: SMALL_COMMAND_TIMEOUT_MS } : c);
    } catch (e) {
      const transient = isUpyflashError(e, 'TIMEOUT') || isUpyflashError(e, 'PROTOCOL_ERROR') || isUpyflashError(e, 'ROM_ERROR');
      if (!transient || i + 1 >= tries) throw e;
      await link.drain(20);
      link.reset();
    }
  }
}
