/**
 * `upyflash repl`: a raw pass-through between this terminal and the board. Keys go to the board as
 * typed (Ctrl-C, Ctrl-D and Tab mean what MicroPython makes of them), the board's bytes go to stdout,
 * and Ctrl-] ends the session, as in telnet and miniterm. Works with a pipe as stdin too.
 */
import { sleep } from '../../platform/sleep.js';
import type { Transport } from '../../transport/transport.js';

export const EXIT_KEY = 0x1d; // Ctrl-]

export interface TerminalStreams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };
  stdout: NodeJS.WritableStream;
}

export interface TerminalResult {
  /** Bytes typed and sent to the board. */
  sent: number;
  received: number;
  /** 'exit-key' (Ctrl-]), 'input-closed' (stdin ended) or 'disconnected'. */
  reason: 'exit-key' | 'input-closed' | 'disconnected';
}

export async function runTerminal(transport: Transport, streams: TerminalStreams): Promise<TerminalResult> {
  const { stdin, stdout } = streams;
  const raw = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  let sent = 0;
  let received = 0;
  let finish: (reason: TerminalResult['reason']) => void = () => undefined;
  const done = new Promise<TerminalResult['reason']>((resolve) => {
    finish = resolve;
  });
  let writing: Promise<void> = Promise.resolve();

  const onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk);
    const stop = bytes.indexOf(EXIT_KEY);
    const forward = stop >= 0 ? bytes.subarray(0, stop) : bytes;
    if (forward.length > 0) {
      sent += forward.length;
      writing = writing.then(() => transport.write(forward.slice())).catch(() => finish('disconnected'));
    }
    if (stop >= 0) finish('exit-key');
  };
  // A pipe that ends still leaves the board's answer to the last line to show.
  const onEnd = (): void => {
    void writing.then(() => sleep(300)).then(() => finish('input-closed'));
  };

  if (raw) stdin.setRawMode!(true);
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdin.resume();

  let open = true;
  const pump = (async () => {
    while (open) {
      try {
        const data = await transport.read(100);
        if (data.length > 0) {
          received += data.length;
          stdout.write(Buffer.from(data));
        }
      } catch {
        finish('disconnected');
        return;
      }
    }
  })();

  const reason = await done;
  open = false;
  await writing;
  await pump;
  stdin.off('data', onData);
  stdin.off('end', onEnd);
  stdin.pause();
  if (raw) stdin.setRawMode!(false);
  return { sent, received, reason };
}
