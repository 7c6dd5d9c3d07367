/**
 * What MicroPython build a board runs, asked before it is flashed: `os.uname().machine` names the board
 * ("LOLIN_S2_MINI with ESP32-S2FN4R2") and `.release` the version. A board that does not show the
 * MicroPython prompt quickly (no firmware, another program, download mode) is left alone: the answer is
 * then "not MicroPython", never an error.
 */
import { isUpyflashError } from '../errors.js';
import { latin1Bytes, latin1String } from '../platform/bytes.js';
import type { Transport } from '../transport/transport.js';
import { RawRepl } from './raw-repl.js';

export interface RunningMicroPython {
  readonly machine: string;
  readonly version: string;
}

/** One Ctrl-C brings the friendly prompt back from anything MicroPython was running. */
const PROMPT = '>>> ';
const QUERY = 'import os\nu=os.uname()\nprint(u.machine)\nprint(u.release)\n';

export async function readRunningMicroPython(transport: Transport, opts: { promptTimeoutMs?: number } = {}): Promise<RunningMicroPython | undefined> {
  const repl = new RawRepl(transport, { replyTimeoutMs: 3000 });
  try {
    await transport.write(latin1Bytes('\r\x03'));
    await repl.reader.readUntil(PROMPT, opts.promptTimeoutMs ?? 1500, 'the MicroPython prompt');
    await repl.enter();
  } catch (e) {
    if (isUpyflashError(e, 'REPL_ERROR')) return undefined;
    throw e;
  }
  try {
    const lines = latin1String(await repl.execOk(QUERY, { timeoutMs: 5000 })).trim().split(/\r?\n/);
    const [machine, version] = [lines[0]?.trim(), lines[1]?.trim()];
    return machine && version ? { machine, version } : undefined;
  } catch (e) {
    if (isUpyflashError(e, 'REPL_ERROR')) return undefined;
    throw e;
  } finally {
    await repl.exit().catch(() => undefined);
  }
}
