import type { Command } from 'commander';
import { stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UpyflashError } from '../../errors.js';
import { BoardFs, joinBoardPath } from '../../repl/board-fs.js';
import { downloadTree, localTreeItems, uploadItems, verifyOnBoard } from '../../repl/file-transfer.js';
import { localNameFor } from '../../repl/local-names.js';
import { BACKUP_MANIFEST } from '../../repl/node/keep-files.js';
import { LocalFolder } from '../../repl/node/local-folder.js';
import type { RawRepl } from '../../repl/raw-repl.js';
import { runCommand, type CommandIo, type GlobalOptions } from '../run-command.js';
import { withRawRepl } from './repl.js';

interface FsOptions extends GlobalOptions {
  port?: string;
  rawPaste?: boolean;
  recursive?: boolean;
  force?: boolean;
}

/** Board paths are absolute; `lib/x.py` means `/lib/x.py`. */
export function boardPath(p: string): string {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  if (parts.includes('..')) throw new UpyflashError('BAD_ARGUMENT', `Board path ${JSON.stringify(p)}: ".." is not supported, give the full path`);
  return '/' + parts.join('/');
}

function verb(
  fs: Command,
  name: string,
  description: string,
  args: string[],
  body: (ctx: { repl: RawRepl; fs: BoardFs; io: CommandIo; opts: FsOptions; args: string[] }) => Promise<unknown>,
): Command {
  const cmd = fs
    .command(name)
    .description(description)
    .option('-p, --port <port>', 'serial port, socket://HOST:PORT, rfc2217://HOST:PORT or virtual:CHIP')
    .option('--no-raw-paste', 'send code in classic raw-REPL mode (for firmware without raw-paste)');
  for (const a of args) cmd.argument(a);
  cmd.action(async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const opts = command.optsWithGlobals<FsOptions>();
    const values = received.slice(0, args.length).map((v) => (v === undefined ? undefined : String(v))) as string[];
    await runCommand(opts, async (io) => {
      const result = await withRawRepl(opts.port, io, opts.rawPaste === false ? { rawPaste: 'never' } : {}, (repl) =>
        body({ repl, fs: new BoardFs(repl), io, opts, args: values }),
      );
      return { result };
    });
  });
  return cmd;
}

export function register(program: Command): void {
  const fs = program
    .command('fs')
    .description('files on the board: ls, cat, get, put, rm, mkdir, sync (over the raw REPL)');

  verb(fs, 'ls', 'list a folder on the board', ['[path]'], async ({ fs, io, opts, args }) => {
    const dir = boardPath(args[0] ?? '/');
    const entries = opts.recursive ? await fs.walk(dir) : await fs.list(dir);
    for (const e of entries) {
      if (e.type === 'file' && e.size === undefined) e.size = (await fs.stat(e.path))?.size;
      io.print(e.type === 'dir' ? `${''.padStart(10)}  ${e.path}/` : `${String(e.size ?? '?').padStart(10)}  ${e.path}`);
    }
    return { path: dir, entries };
  }).option('-r, --recursive', 'list everything below the folder');

  verb(fs, 'cat', 'print a file from the board', ['<path>'], async ({ fs, io, args }) => {
    const data = await fs.readFile(boardPath(args[0]!));
    if (!io.json) process.stdout.write(data);
    return { path: boardPath(args[0]!), text: new TextDecoder().decode(data) };
  });

  verb(fs, 'get', 'copy a file or folder from the board', ['<path>', '[local]'], async ({ fs, io, args }) => {
    const src = boardPath(args[0]!);
    const st = await fs.stat(src);
    if (!st) throw new UpyflashError('FILE_ERROR', `No such file or folder on the board: ${src}`);
    const name = localNameFor(src === '/' ? 'board' : basename(src));
    if (st.type === 'file') {
      const target = args[1] ?? name;
      const dest = (await isDir(target)) ? join(target, name) : target;
      const data = await fs.readFile(src);
      await writeFile(dest, data).catch((e: unknown) => {
        throw new UpyflashError('FILE_ERROR', `Cannot write ${dest}: ${(e as Error).message}`);
      });
      io.print(`${src} -> ${dest} (${data.length} bytes)`);
      return { files: [{ boardPath: src, localPath: resolve(dest), size: data.length }] };
    }
    const folder = new LocalFolder(args[1] ?? name);
    const records = await downloadTree(fs, src, folder, io.reporter);
    io.print(`${src} -> ${folder.root} (${records.filter((r) => r.type === 'file').length} files)`);
    return { dir: folder.root, files: records };
  });

  verb(fs, 'put', 'copy a local file or folder to the board', ['<local>', '[path]'], async ({ fs, io, args }) => {
    const local = resolve(args[0]!);
    const target = args[1] === undefined ? '/' + localNameFor(basename(local)) : boardPath(args[1]);
    if (await isDir(local)) {
      const folder = new LocalFolder(local);
      await fs.makeDirs(target);
      const r = await uploadItems(await localTreeItems(folder, target), folder, fs, { skipUnchanged: false }, io.reporter);
      io.print(`${local} -> ${target} (${r.written.length} files)`);
      return r;
    }
    const targetStat = await fs.stat(target);
    const dest = targetStat?.type === 'dir' ? joinBoardPath(target, basename(local)) : target;
    const folder = new LocalFolder(dirname(local));
    if (dirname(dest) !== '/') await fs.makeDirs(dirname(dest));
    const r = await uploadItems([{ localPath: basename(local), boardPath: dest, type: 'file' }], folder, fs, { skipUnchanged: false }, io.reporter);
    io.print(`${local} -> ${dest}`);
    return r;
  });

  verb(fs, 'rm', 'remove a file (or with -r a folder) on the board', ['<path>'], async ({ fs, io, opts, args }) => {
    const path = boardPath(args[0]!);
    const st = await fs.stat(path);
    if (!st) throw new UpyflashError('FILE_ERROR', `No such file or folder on the board: ${path}`);
    if (st.type === 'dir' && !opts.recursive) {
      throw new UpyflashError('BAD_ARGUMENT', `${path} is a folder: use fs rm -r to remove it with its contents`);
    }
    await fs.removeTree(path);
    io.print(`removed ${path}`);
    return { removed: path };
  }).option('-r, --recursive', 'remove a folder and everything in it');

  verb(fs, 'mkdir', 'create a folder on the board (and its parents)', ['<path>'], async ({ fs, io, args }) => {
    const path = boardPath(args[0]!);
    await fs.makeDirs(path);
    io.print(`created ${path}`);
    return { created: path };
  });

  verb(fs, 'sync', "copy a local folder's contents onto the board, skipping files that are already identical", ['<dir>', '[path]'], async ({ fs, io, args }) => {
    const local = resolve(args[0]!);
    if (!(await isDir(local))) throw new UpyflashError('FILE_ERROR', `${local} is not a folder`);
    const target = boardPath(args[1] ?? '/');
    const folder = new LocalFolder(local);
    // A keep-files backup folder carries its manifest; it is not one of the board's files.
    const items = await localTreeItems(folder, target, new Set([BACKUP_MANIFEST]));
    if (target !== '/') await fs.makeDirs(target);
    const r = await uploadItems(items, folder, fs, { skipUnchanged: true }, io.reporter);
    // "unchanged" and "written" are claims about the board now: one SHA-256 per file after the last write.
    const bad = await verifyOnBoard(fs, r.records);
    if (bad.length) throw new UpyflashError('REPL_ERROR', `These files differ on the board after the sync: ${bad.join(', ')}`, { hint: 'Run fs sync again; if it repeats, the board\'s filesystem may be damaged (back it up and reflash).' });
    io.print(`${local} -> ${target}: ${r.written.length} written, ${r.skipped.length} unchanged; all ${r.records.length} checked by SHA-256 after the last write`);
    return { written: r.written, skipped: r.skipped };
  });
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
