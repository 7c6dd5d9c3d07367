import { createInterface } from 'node:readline';
import { UpyflashError } from '../errors.js';

/**
 * Asks for a secret on the terminal without echoing it; from a pipe (a script) reads one line. The
 * answer never reaches stdout or a log.
 */
export async function promptSecret(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) return readOneLine();
  return new Promise((resolve, reject) => {
    process.stderr.write(question);
    input.setRawMode(true);
    input.resume();
    let text = '';
    const done = (value: string | undefined): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (value === undefined) reject(new UpyflashError('CANCELLED', 'Stopped at the password prompt'));
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(text);
        if (ch === '\x03' || ch === '\x04') return done(undefined);
        if (ch === '\x7f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    input.on('data', onData);
  });
}

function readOneLine(): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    let got: string | undefined;
    rl.once('line', (line) => {
      got = line;
      rl.close();
    });
    rl.once('close', () => resolve(got ?? ''));
  });
}
