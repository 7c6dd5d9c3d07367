import type { Command } from 'commander';
import { readInputFile } from '../input-file.js';
import { UpyflashError } from '../../errors.js';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { withRawRepl } from './repl.js';

interface RunOptions extends GlobalOptions {
  port?: string;
  timeout?: string;
  rawPaste?: boolean;
}

export function register(program: Command): void {
  program
    .command('run')
    .description("run a Python file on the board and show its output (exit code 7 if it raises)")
    .argument('<file>', 'the .py file to run (it is not copied to the board)')
    .option('-p, --port <port>', 'serial port, socket://HOST:PORT, rfc2217://HOST:PORT or virtual:CHIP')
    .option('--timeout <seconds>', 'stop waiting after this long (default: as long as it runs)')
    .option('--no-raw-paste', 'send the code in classic raw-REPL mode')
    .action(async (file: string, _o: RunOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RunOptions>();
      await runCommand(opts, async (io) => {
        const code = await readInputFile(file);
        const timeoutMs = opts.timeout === undefined ? undefined : Number(opts.timeout) * 1000;
        if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UpyflashError('BAD_ARGUMENT', `--timeout ${opts.timeout} is not a number of seconds`);
        const { stdout, stderr } = await withRawRepl(opts.port, io, opts.rawPaste === false ? { rawPaste: 'never' } : {}, async (repl) => {
          // Ctrl-C here stops the program on the board, and the traceback (KeyboardInterrupt) shows why.
          const onSigint = (): void => void repl.transport.write(new Uint8Array([0x03]));
          process.on('SIGINT', onSigint);
          try {
            return await repl.exec(code, {
              ...(timeoutMs !== undefined ? { timeoutMs } : {}),
              ...(io.json ? {} : { onStdout: (d: Uint8Array) => void process.stdout.write(d) }),
            });
          } finally {
            process.off('SIGINT', onSigint);
          }
        });
        const out = new TextDecoder().decode(stdout);
        const err = new TextDecoder().decode(stderr);
        if (err !== '') {
          if (!io.json) process.stderr.write(err);
          const last = err.trim().split(/\r?\n/).pop() ?? '';
          throw new UpyflashError('SCRIPT_ERROR', `${file} raised ${last}`, { details: { stdout: out, traceback: err } });
        }
        return { result: { file, stdout: out } };
      });
    });
}
