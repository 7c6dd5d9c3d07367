import { ROM_MAGIC_REG } from '../../chips/index.js';
import { isUpyflashError } from '../../errors.js';
import { type Command, commands } from '../../protocol/commands.js';
import { hardReset as pulseReset } from '../reset.js';
import { commandWithRetry } from '../retry.js';
import { isRetryable } from '../write.js';
import type { LinkState, Session } from './link-state.js';
import { ROM_PROBE_TIMEOUT_MS } from './rom-link.js';

/** The RTC watchdog fires ~13 ms (2000 slow-clock ticks) after it is armed; a loader that stays answers within this. */
const RESET_SETTLE_MS = 200;
const RESET_REPLY_TIMEOUT_MS = 1000;

/**
 * Restarts the chip into its firmware. With reset lines: the RTS pulse. Without (socket://), as esptool
 * v5 does: the RTC watchdog where the chip data has its registers; else FLASH_END(reboot), which the
 * ROM loader and the legacy stub honour but esp-flasher-stub does not (command_handler.c: a TODO). A
 * chip that still answers its loader afterwards was not reset: the user is told to press EN.
 */
export async function hardReset(s: Session): Promise<void> {
  if (s.transport.capabilities.controlLines) {
    s.reporter.phase('reset', 'Hard resetting via RTS pin...');
    await pulseReset(s.transport);
    return;
  }
  const watchdog = s.detection.secureDownload ? undefined : s.chip.watchdogReset;
  if (watchdog) {
    s.reporter.phase('reset', `Hard resetting with the RTC watchdog (${s.transport.name} has no reset lines)...`);
    await leavingCommands(s, watchdog.map((w) => commands.writeReg(w.addr, w.value, w.mask ?? 0xffffffff)));
  } else {
    s.reporter.phase('reset', `Restarting through the loader (${s.transport.name} has no reset lines)...`);
    const d = s.link.dialect!;
    await leavingCommands(s, [commands.flashBegin(d, 0, 0, d.flashBlockSize, 0), commands.flashEnd(true)]);
  }
  await s.link.drain(RESET_SETTLE_MS);
  s.link.reset();
  if (await loaderStillAnswers(s)) {
    s.reporter.warn(
      `${s.transport.name} cannot reset the ${s.chip.name}${watchdog ? '' : ' (it has no watchdog reset)'}: press EN (RST) on the board now to start the firmware.`,
    );
  } else {
    s.reporter.info(`The ${s.chip.name} left download mode.`);
  }
}

/** Commands the chip may reset in the middle of: a missing answer is expected, not an error. */
async function leavingCommands(s: LinkState, list: readonly Command[]): Promise<void> {
  for (const c of list) {
    try {
      await s.link.command({ ...c, timeoutMs: Math.min(c.timeoutMs, RESET_REPLY_TIMEOUT_MS) });
    } catch (e) {
      if (!isRetryable(e)) throw e;
      return;
    }
  }
}

/** A READ_REG with a known answer: only a loader gives it (a booting firmware prints its log instead). */
async function loaderStillAnswers(s: LinkState): Promise<boolean> {
  try {
    const reply = await commandWithRetry(s.link, { ...commands.readReg(ROM_MAGIC_REG), timeoutMs: ROM_PROBE_TIMEOUT_MS }, 2);
    return s.chip.magicValues.includes(reply.value >>> 0);
  } catch (e) {
    // A refusal is an answer too (Secure Download Mode refuses READ_REG): the loader is still there.
    if (isUpyflashError(e, 'ROM_ERROR') || isUpyflashError(e, 'UNSUPPORTED_COMMAND')) return true;
    if (!isRetryable(e)) throw e;
    return false;
  }
}
