import type { Command } from 'commander';
import { UpyflashError } from '../../errors.js';
import { boardPins, PLATFORMS, type BoardPins } from '../../examples/board-pins.js';
import { EXAMPLES, exampleByName } from '../../examples/catalog.js';
import type { RawRepl } from '../../repl/raw-repl.js';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { withRawRepl } from './repl.js';

interface ExamplesOptions extends GlobalOptions {
  port?: string;
  chip?: string;
  run?: boolean;
  timeout?: string;
}

export function register(program: Command): void {
  program
    .command('examples')
    .description('short first programs for the board (blink, button, fade, adc, wifi-scan, web-server): list, print, or --run')
    .argument('[name]', 'the example to print or run')
    .option('--run', 'run it on the board (-p) and show its output')
    .option('-p, --port <port>', 'serial port, socket://HOST:PORT, rfc2217://HOST:PORT or virtual:CHIP')
    .option('--chip <platform>', `write it for this board without asking it: ${PLATFORMS.join(', ')}`)
    .option('--timeout <seconds>', 'with --run: stop the program (Ctrl-C) after this long')
    .action(async (name: string | undefined, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ExamplesOptions>();
      await runCommand<Record<string, unknown>>(opts, async (io) => {
        if (name === undefined) {
          for (const e of EXAMPLES) io.print(`${e.name.padEnd(12)} ${e.summary}`);
          io.print('');
          io.print('Print one with `upyflash examples NAME`, run it with `upyflash examples NAME --run -p PORT`.');
          return { result: { examples: EXAMPLES.map((e) => ({ name: e.name, title: e.title, summary: e.summary })) } };
        }
        const example = exampleByName(name);
        if (!example) {
          throw new UpyflashError('BAD_ARGUMENT', `No example named "${name}"`, { hint: `Choose one of ${EXAMPLES.map((e) => e.name).join(', ')}.` });
        }
        const chosen = opts.chip !== undefined ? pinsFor(opts.chip) : undefined;
        if (!opts.run) {
          const pins = chosen ?? (opts.port !== undefined ? await withRawRepl(opts.port, io, {}, boardPlatform) : pinsFor('esp32'));
          const source = example.source(pins);
          if (!io.json) process.stdout.write(source);
          return { result: { name, platform: pins.platform, source } };
        }
        const timeoutMs = opts.timeout === undefined ? undefined : Number(opts.timeout) * 1000;
        if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UpyflashError('BAD_ARGUMENT', `--timeout ${opts.timeout} is not a number of seconds`);
        const outcome = await withRawRepl(opts.port, io, {}, async (repl) => {
          const pins = chosen ?? (await boardPlatform(repl));
          return { pins, ...(await runStoppable(repl, example.source(pins), timeoutMs, io.json)) };
        });
        if (outcome.stderr !== '' && !outcome.stoppedByUs) {
          if (!io.json) process.stderr.write(outcome.stderr);
          const last = outcome.stderr.trim().split(/\r?\n/).pop() ?? '';
          throw new UpyflashError('SCRIPT_ERROR', `example ${name} raised ${last}`, { details: { stdout: outcome.stdout, traceback: outcome.stderr } });
        }
        if (outcome.stoppedByUs) io.reporter.info(`stopped ${name} after ${opts.timeout} s`);
        return { result: { name, platform: outcome.pins.platform, stdout: outcome.stdout, stopped: outcome.stoppedByUs } };
      });
    });
}

function pinsFor(platform: string): BoardPins {
  const pins = boardPins(platform);
  if (!pins) throw new UpyflashError('BAD_ARGUMENT', `--chip ${platform}: the examples are written for ${PLATFORMS.join(' and ')}`);
  return pins;
}

async function boardPlatform(repl: RawRepl): Promise<BoardPins> {
  const platform = new TextDecoder().decode(await repl.execOk('import sys\r\nprint(sys.platform)')).trim();
  const pins = boardPins(platform);
  if (!pins) {
    throw new UpyflashError('BAD_ARGUMENT', `The board says it is "${platform}"; the examples are written for ${PLATFORMS.join(' and ')}`, {
      hint: 'Pass --chip esp32 or --chip esp8266 to get one anyway and change its pin numbers.',
    });
  }
  return pins;
}

/** Runs code, streaming its output; Ctrl-C here or the timeout stops it, which is a normal end. */
async function runStoppable(
  repl: RawRepl,
  code: string,
  timeoutMs: number | undefined,
  json: boolean,
): Promise<{ stdout: string; stderr: string; stoppedByUs: boolean }> {
  let stoppedByUs = false;
  const stop = (): void => {
    stoppedByUs = true;
    void repl.transport.write(new Uint8Array([0x03]));
  };
  process.on('SIGINT', stop);
  const timer = timeoutMs !== undefined ? setTimeout(stop, timeoutMs) : undefined;
  try {
    const r = await repl.exec(code, json ? {} : { onStdout: (d: Uint8Array) => void process.stdout.write(d) });
    const stderr = new TextDecoder().decode(r.stderr);
    return { stdout: new TextDecoder().decode(r.stdout), stderr, stoppedByUs: stoppedByUs && /KeyboardInterrupt/.test(stderr) };
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', stop);
  }
}
