import type { RunningFirmware } from '../firmware/build-choice.js';
import { readRunningMicroPython } from '../repl/running-board.js';
import { openTransportFor } from './connect-options.js';
import type { Reporter } from '../progress.js';

/**
 * Asks the board on `portSpec` which MicroPython it runs, before the flasher resets it into the loader.
 * Any failure to open or ask means "nothing known": the choice then follows the chip.
 */
export async function runningFirmwareOn(portSpec: string, reporter?: Reporter): Promise<RunningFirmware | undefined> {
  let transport;
  try {
    transport = await openTransportFor(portSpec);
    if (transport.capabilities.controlLines) await transport.setSignals({ dtr: false, rts: false });
    const running = await readRunningMicroPython(transport);
    if (running) reporter?.info(`The board runs MicroPython v${running.version} (${running.machine})`);
    return running;
  } catch (e) {
    reporter?.debug(`Could not ask the board which MicroPython it runs: ${(e as Error).message}`);
    return undefined;
  } finally {
    await transport?.close().catch(() => undefined);
  }
}
