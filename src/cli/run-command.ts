import { UpyflashError, asUpyflashError } from '../errors.js';
import { explainFailureOnThisHost } from '../doctor/node/explain-failure.js';
import { Reporter } from '../progress.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { createProgressRenderer } from './progress-renderer.js';

/** Options every verb accepts (registered on the root program). */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

export interface CommandIo {
  readonly reporter: Reporter;
  readonly json: boolean;
  /** A line of human output on stdout; swallowed in --json mode, where only the result document is printed. */
  print(line: string): void;
}

export interface CommandResult<T> {
  /** The JSON document printed on stdout with --json. */
  readonly result: T;
  /** Exit code when not 0 (e.g. a script that raised on the board). */
  readonly exitCode?: number;
}

/**
 * Runs one CLI verb: wires progress rendering, prints the result (text or one JSON document), and turns
 * failures into `error E0xx: message` + `hint: ...` (or a JSON error document) with a documented exit
 * code. Every verb goes through here so all of them behave the same for people and for scripts.
 */
export async function runCommand<T>(
  opts: GlobalOptions,
  body: (io: CommandIo) => Promise<CommandResult<T>>,
): Promise<void> {
  const json = Boolean(opts.json);
  const renderer = createProgressRenderer({ json, verbose: Boolean(opts.verbose), tty: Boolean(process.stderr.isTTY) });
  const io: CommandIo = {
    reporter: new Reporter(renderer),
    json,
    print(line: string) {
      if (!json) process.stdout.write(line + '\n');
    },
  };
  try {
    const { result, exitCode } = await body(io);
    renderer.stop();
    if (json) process.stdout.write(JSON.stringify({ ok: exitCode === undefined || exitCode === 0, result }, null, 2) + '\n');
    process.exitCode = exitCode ?? EXIT.OK;
  } catch (e) {
    renderer.stop();
    // The doctor's host-specific advice (driver, group, holder, where the board went) for every verb.
    const err = await explainFailureOnThisHost(asUpyflashError(e));
    reportError(err, json, Boolean(opts.verbose));
    process.exitCode = exitCodeFor(err);
  }
}

export function reportError(err: UpyflashError, json: boolean, verbose: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ ok: false, error: err.toJSON() }, null, 2) + '\n');
    return;
  }
  process.stderr.write(`error ${err.code}: ${err.message}\n`);
  process.stderr.write(`hint: ${err.hint}\n`);
  if (verbose && err.cause instanceof Error && err.cause.stack) process.stderr.write(err.cause.stack + '\n');
  if (verbose && err.kind === 'INTERNAL' && err.stack) process.stderr.write(err.stack + '\n');
}

/** Parses a number the way esptool users type them: 0x1000, 4096, 4K, 1M. */
export function parseSize(text: string, what: string): number {
  // Case-insensitive, as esptool's int(x, 0): 0x1F0000 and 0X1000 are addresses too.
  const m = /^(0x[0-9a-f]+|\d+)\s*([km]?)(i?b)?$/.exec(text.trim().toLowerCase());
  if (!m) throw new UpyflashError('BAD_ARGUMENT', `${what}: "${text}" is not a number (use e.g. 0x1000, 4096 or 4K)`);
  const base = m[1]!.startsWith('0x') ? parseInt(m[1]!, 16) : parseInt(m[1]!, 10);
  const mult = m[2] === 'k' ? 1024 : m[2] === 'm' ? 1024 * 1024 : 1;
  return base * mult;
}
