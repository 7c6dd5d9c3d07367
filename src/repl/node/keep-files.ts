/**
 * `flash --keep-files`: copy every file from the board into a local backup folder before flashing,
 * put them back afterwards and check them by hash. The backup folder is kept either way; a manifest
 * in it records which board path each local file came from (names may have been escaped).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, posix, resolve, win32 } from 'node:path';
import { UpyflashError, isUpyflashError } from '../../errors.js';
import type { Reporter } from '../../progress.js';
import type { Transport } from '../../transport/transport.js';
import { BoardFs } from '../board-fs.js';
import { downloadTree, uploadItems, verifyOnBoard, type TransferRecord } from '../file-transfer.js';
import { RawRepl } from '../raw-repl.js';
import { LocalFolder } from './local-folder.js';

export const BACKUP_MANIFEST = '.upyflash-backup.json';

export interface BackupResult {
  dir: string;
  files: TransferRecord[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The user's data folder for upyflash, where each platform keeps an application's own files (backups
 * are data the user wants back, not a cache): XDG_DATA_HOME or ~/.local/share on Linux, LOCALAPPDATA
 * on Windows, ~/Library/Application Support on macOS. `UPYFLASH_DATA_DIR` overrides (tests, CI).
 */
export function userDataDir(env: Env = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const override = env['UPYFLASH_DATA_DIR'];
  if (override) return resolve(override);
  if (platform === 'win32') return win32.join(env['LOCALAPPDATA'] || win32.join(home, 'AppData', 'Local'), 'upyflash');
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', 'upyflash');
  // XDG says relative values are invalid and must be ignored.
  const xdg = env['XDG_DATA_HOME'];
  return xdg && xdg.startsWith('/') ? posix.join(xdg, 'upyflash') : posix.join(home, '.local', 'share', 'upyflash');
}

/**
 * A fresh backup folder under the user's data folder, not the current one (a successful run must not
 * leave folders wherever it was started): <data>/backups/upyflash-backup-20251209-153012.
 */
export function defaultBackupDir(now: Date = new Date(), env: Env = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const base = userDataDir(env, platform, home);
  const join_ = platform === 'win32' ? win32.join : posix.join;
  return join_(base, 'backups', `upyflash-backup-${stamp}`);
}

export function restoreInstructions(dir: string): string {
  return `Your files are in ${dir}: put them back with \`upyflash fs sync ${JSON.stringify(dir)}\` once MicroPython runs.`;
}

/**
 * Copies the board's whole filesystem into `dir` (the board must be running MicroPython: REPL_ERROR
 * otherwise). Leaves the board in the friendly REPL.
 */
export async function backupBoardFiles(transport: Transport, dir: string, reporter: Reporter): Promise<BackupResult> {
  const folder = new LocalFolder(dir);
  reporter.phase('backup', `Copying the board's files to ${folder.root}`);
  const repl = new RawRepl(transport);
  await repl.enter();
  try {
    const files = await downloadTree(new BoardFs(repl), '/', folder, reporter);
    // An empty board creates no file there, and the data folder may not exist yet.
    await mkdir(folder.root, { recursive: true });
    await writeFile(join(folder.root, BACKUP_MANIFEST), JSON.stringify({ version: 1, files }, null, 2) + '\n');
    const count = files.filter((f) => f.type === 'file').length;
    reporter.info(`Backed up ${count} file${count === 1 ? '' : 's'} to ${folder.root}`);
    return { dir: folder.root, files };
  } finally {
    await repl.exit();
  }
}

/** Writes the backup in `dir` back onto the board and checks every file's SHA-256 there. */
export async function restoreBoardFiles(transport: Transport, dir: string, reporter: Reporter): Promise<BackupResult> {
  const folder = new LocalFolder(dir);
  try {
    const records = await readManifest(folder.root);
    reporter.phase('files', `Restoring ${records.filter((r) => r.type === 'file').length} files from ${folder.root}`);
    const repl = new RawRepl(transport);
    await repl.enter();
    try {
      const fs = new BoardFs(repl);
      const items = records.map((r) => ({ localPath: r.localPath, boardPath: r.boardPath, type: r.type }));
      const result = await uploadItems(items, folder, fs, { skipUnchanged: true }, reporter);
      const bad = await verifyOnBoard(fs, records);
      if (bad.length > 0) {
        throw new UpyflashError('KEEP_FILES_FAILED', `These files differ on the board after restoring: ${bad.join(', ')}`);
      }
      reporter.info(`Restored ${result.written.length} files (${result.skipped.length} already identical) and checked them by SHA-256; the backup stays in ${folder.root}`);
      return { dir: folder.root, files: records };
    } finally {
      await repl.exit();
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new UpyflashError(
      'KEEP_FILES_FAILED',
      isUpyflashError(e, 'KEEP_FILES_FAILED') ? `${why}. ${restoreInstructions(folder.root)}` : `Could not restore the board files: ${why}. ${restoreInstructions(folder.root)}`,
      { cause: e, hint: restoreInstructions(folder.root), details: { backupDir: folder.root } },
    );
  }
}

async function readManifest(root: string): Promise<TransferRecord[]> {
  let text: string;
  try {
    text = await readFile(join(root, BACKUP_MANIFEST), 'utf8');
  } catch (e) {
    throw new UpyflashError('FILE_ERROR', `No backup manifest (${BACKUP_MANIFEST}) in ${root}`, { cause: e });
  }
  const parsed = JSON.parse(text) as { files?: TransferRecord[] };
  if (!Array.isArray(parsed.files)) throw new UpyflashError('FILE_ERROR', `The backup manifest in ${root} is damaged`);
  return parsed.files;
}
