import type { Command } from 'commander';
import { UpyflashError } from '../../errors.js';
import { DEFAULT_INDEX, parseIndex } from '../../mip/index-format.js';
import { boardLibInfo, installOnBoard, installedLibraries } from '../../mip/board-side.js';
import { CachedMipSource } from '../../mip/node/cached-source.js';
import { planInstall, searchIndex } from '../../mip/plan.js';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { boardPath } from './fs.js';
import { withRawRepl } from './repl.js';

interface MipOptions extends GlobalOptions {
  port?: string;
  target?: string;
  index?: string;
  mpy?: boolean;
  rawPaste?: boolean;
}

const PORT_HELP = 'serial port, socket://HOST:PORT, rfc2217://HOST:PORT or virtual:CHIP';

export function register(program: Command): void {
  const mip = program.command('mip').description('libraries onto the board from micropython-lib (or another index), as mpremote mip does');

  mip
    .command('install')
    .description('install packages and their dependencies: NAME[@VERSION], github:org/repo[/path][@ref], or a URL')
    .argument('<packages...>')
    .option('-p, --port <port>', PORT_HELP)
    .option('--target <dir>', "folder on the board (default: the board's /lib in sys.path)")
    .option('--index <url>', 'package index', DEFAULT_INDEX)
    .option('--no-mpy', 'install the .py source even where a compiled .mpy exists')
    .option('--no-raw-paste', 'send code in classic raw-REPL mode')
    .action(async (packages: string[], _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<MipOptions>();
      await runCommand(opts, async (io) => {
        const source = new CachedMipSource();
        const result = await withRawRepl(opts.port, io, opts.rawPaste === false ? { rawPaste: 'never' } : {}, async (repl) => {
          const info = await boardLibInfo(repl);
          const target = opts.target !== undefined ? boardPath(opts.target) : info.libDir;
          if (target === undefined) {
            throw new UpyflashError('BAD_ARGUMENT', "The board's sys.path has no folder ending in /lib", { hint: 'Choose one with --target /lib.' });
          }
          const mpy = opts.mpy === false ? undefined : info.mpy;
          io.reporter.phase('download', `Resolving ${packages.join(', ')} from ${opts.index} (${mpy === undefined ? 'source' : `.mpy v${mpy}`})`);
          const plan = await planInstall(packages, { index: opts.index ?? DEFAULT_INDEX, mpy, source, reporter: io.reporter });
          io.reporter.phase('files', `Writing ${plan.files.length} file(s) to ${target}`);
          const written = await installOnBoard(repl, plan, target, io.reporter);
          return { plan, written, target, mpy };
        });
        for (const p of result.plan.packages) {
          const why = p.requiredBy ? ` (needed by ${p.requiredBy})` : '';
          io.print(`${p.name} ${p.version} [${p.build === 'py' ? 'source' : p.build === 'url' ? 'url' : `.mpy v${p.build}`}]${why}: ${p.files.join(', ')}`);
        }
        io.print(`${result.target}: ${result.written.written.length} written, ${result.written.skipped.length} unchanged${result.plan.offline ? ' (from the cache: index unreachable)' : ''}`);
        return {
          result: {
            target: result.target,
            boardMpy: result.mpy ?? null,
            offline: result.plan.offline,
            packages: result.plan.packages,
            written: result.written.written,
            skipped: result.written.skipped,
          },
        };
      });
    });

  mip
    .command('list')
    .description("list the libraries installed on the board (reads its /lib)")
    .option('-p, --port <port>', PORT_HELP)
    .option('--target <dir>', 'folder on the board (default: /lib)')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<MipOptions>();
      await runCommand(opts, async (io) => {
        const { target, libs } = await withRawRepl(opts.port, io, {}, async (repl) => {
          const t = opts.target !== undefined ? boardPath(opts.target) : ((await boardLibInfo(repl)).libDir ?? '/lib');
          return { target: t, libs: await installedLibraries(repl, t) };
        });
        if (libs.length === 0) io.print(`nothing installed in ${target}`);
        for (const l of libs) io.print(`${l.name.padEnd(24)} ${l.type.padEnd(8)} ${String(l.files).padStart(3)} file(s) ${String(l.bytes).padStart(8)} bytes`);
        return { result: { target, libraries: libs } };
      });
    });

  mip
    .command('search')
    .description('search the package index by name and description')
    .argument('[words...]')
    .option('--index <url>', 'package index', DEFAULT_INDEX)
    .action(async (words: string[], _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<MipOptions>();
      await runCommand(opts, async (io) => {
        const index = (opts.index ?? DEFAULT_INDEX).replace(/\/+$/, '');
        const url = `${index}/index.json`;
        let got;
        try {
          got = await new CachedMipSource().fetch(url, { immutable: false });
        } catch (e) {
          throw new UpyflashError('INDEX_UNREACHABLE', `Cannot reach ${url} and it is not in the cache`, { cause: e });
        }
        if (got.stale) io.reporter.warn(`Cannot reach ${index}: showing the cached index`);
        const found = searchIndex(parseIndex(got.bytes, url), words.join(' '));
        for (const p of found) io.print(`${p.name.padEnd(28)} ${p.version.padEnd(10)} ${p.description}`);
        return { result: { index, packages: found } };
      });
    });
}
