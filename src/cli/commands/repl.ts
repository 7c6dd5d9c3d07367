import type { Command } from 'commander';
import { UpyflashError, isUpyflashError } from '../../errors.js';
import { RawRepl } from '../../repl/raw-repl.js';
import { backupBoardFiles, defaultBackupDir, restoreBoardFiles, restoreInstructions } from '../../repl/node/keep-files.js';
import { runTerminal } from '../../repl/node/terminal.js';
import type { Transport } from '../../transport/transport.js';
import { openTransportFor, resolvePortSpec } from '../connect-options.js';
import type { FlashJobInput } from '../../flasher/flash-job.js';
import { createProgressRenderer } from '../progress-renderer.js';
import { Reporter } from '../../progress.js';
import { reportError, runCommand, type CommandIo, type GlobalOptions } from '../run-command.js';
import { exitCodeFor } from '../exit-codes.js';

interface PortOptions extends GlobalOptions {
  port?: string;
}

/**
 * Opens the board's port for the REPL verbs without resetting it: both control lines released (an
 * ESP's auto-reset circuit then leaves the chip running), at MicroPython's 115200 baud.
 */
export async function openReplPort(port: string | undefined, io: CommandIo): Promise<Transport> {
  const spec = await resolvePortSpec(port === undefined ? {} : { port }, io);
  const transport = await openTransportFor(spec);
  if (transport.capabilities.controlLines) await transport.setSignals({ dtr: false, rts: false });
  return transport;
}

/** Opens the port, enters the raw REPL, runs `job`, and always leaves raw mode and closes the port. */
export async function withRawRepl<T>(
  port: string | undefined,
  io: CommandIo,
  opts: { rawPaste?: 'auto' | 'never' },
  job: (repl: RawRepl) => Promise<T>,
): Promise<T> {
  const transport = await openReplPort(port, io);
  try {
    const repl = new RawRepl(transport, opts.rawPaste ? { rawPaste: opts.rawPaste } : {});
    await repl.enter();
    try {
      return await job(repl);
    } finally {
      await repl.exit().catch(() => undefined);
      await transport.drain().catch(() => undefined);
    }
  } finally {
    await transport.close().catch(() => undefined);
  }
}

export function register(program: Command): void {
  program
    .command('repl')
    .description('interactive MicroPython prompt on the board (opens the port without resetting it; Ctrl-] exits)')
    .option('-p, --port <port>', 'serial port, socket://HOST:PORT, rfc2217://HOST:PORT or virtual:CHIP')
    .action(async (_o: PortOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<PortOptions>();
      await runCommand(opts, async (io) => {
        const transport = await openReplPort(opts.port, io);
        try {
          if (!io.json) process.stderr.write(`Connected to ${transport.name}. Ctrl-] exits.\r\n`);
          const r = await runTerminal(transport, { stdin: process.stdin, stdout: process.stdout });
          if (!io.json) process.stderr.write('\r\n');
          return { result: { port: transport.name, ...r } };
        } finally {
          await transport.close().catch(() => undefined);
        }
      });
    });
  attachFlashIntegration(program);
}

interface FlashFlags extends GlobalOptions {
  port?: string;
  keepFiles?: boolean;
  bootCheck?: boolean;
  bootTimeout?: string;
}

/** The backup made before this process's flash (one flash per process). */
let keptBackup: string | undefined;

/**
 * The boot check and --keep-files of `flash`, as inputs of the flash job: the port is reopened after the
 * reset (a native-USB board may come back under another name), and the files backed up before the job
 * (by the pre-action below) are put back once MicroPython runs.
 */
export function flashBootCheck(options: Readonly<Record<string, unknown>>, portSpec: string): Pick<FlashJobInput, 'bootCheck' | 'keepFiles'> {
  const flags = options as FlashFlags;
  if (flags.bootCheck === false) return { bootCheck: false };
  const backupDir = keptBackup;
  return {
    bootCheck: { timeoutMs: Number(flags.bootTimeout ?? 10) * 1000, reopen: () => openTransportFor(portSpec) },
    ...(backupDir
      ? {
          keepFiles: {
            instructions: restoreInstructions(backupDir),
            restore: async (transport, reporter) => {
              const restored = await restoreBoardFiles(transport, backupDir, reporter);
              return { backupDir: restored.dir, files: restored.files.filter((f) => f.type === 'file').length };
            },
          },
        }
      : {}),
  };
}

/** --keep-files and --boot-timeout on `flash`, and the backup taken before the flash job connects. */
function attachFlashIntegration(program: Command): void {
  const flash = program.commands.find((c) => c.name() === 'flash');
  if (!flash) return;
  flash.option('--keep-files', 'copy the files on the board to a local backup folder first, and put them back after flashing');
  flash.option('--boot-timeout <seconds>', 'how long the boot check waits for the MicroPython banner', '10');
  flash.hook('preAction', async (cmd) => {
    const opts = cmd.optsWithGlobals<FlashFlags>();
    if (!opts.keepFiles) return;
    if (opts.bootCheck === false) {
      fail(opts, new UpyflashError('BAD_ARGUMENT', '--keep-files needs the boot check (it restores the files once MicroPython runs): drop --no-boot-check'));
    }
    const renderer = createProgressRenderer({ json: Boolean(opts.json), verbose: Boolean(opts.verbose), tty: Boolean(process.stderr.isTTY) });
    const reporter = new Reporter(renderer);
    const io: CommandIo = { reporter, json: Boolean(opts.json), print: (l) => (opts.json ? undefined : void process.stdout.write(l + '\n')) };
    const dir = defaultBackupDir();
    let transport: Transport | undefined;
    try {
      transport = await openReplPort(opts.port, io);
      await backupBoardFiles(transport, dir, reporter);
      keptBackup = dir;
      reporter.info(`Backup kept in ${dir}`);
    } catch (e) {
      if (isUpyflashError(e, 'REPL_ERROR')) {
        reporter.warn('The board does not answer as MicroPython: there are no files to keep, flashing anyway');
      } else {
        renderer.stop();
        fail(opts, e instanceof UpyflashError ? e : new UpyflashError('KEEP_FILES_FAILED', String(e), { cause: e }));
      }
    } finally {
      await transport?.close().catch(() => undefined);
      renderer.stop();
    }
  });
}

function fail(opts: GlobalOptions, err: UpyflashError): never {
  reportError(err, Boolean(opts.json), Boolean(opts.verbose));
  process.exit(exitCodeFor(err));
}
