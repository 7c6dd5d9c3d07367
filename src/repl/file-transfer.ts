/**
 * Copying trees between the board and a local file store (a folder in Node, memory in a browser):
 * download everything under a board folder, upload a local tree skipping files whose SHA-256 already
 * matches. Browser-safe; the Node folder adapter is in node/local-folder.ts.
 */
import { sha256, toHex } from '../platform/hash.js';
import type { Reporter } from '../progress.js';
import { joinBoardPath, type BoardFs } from './board-fs.js';
import { localPathFor, relativeBoardPath, type NamePolicy } from './local-names.js';

export interface LocalEntry {
  /** '/'-separated, relative to the store's root. */
  path: string;
  type: 'file' | 'dir';
}

export interface LocalFiles {
  readonly description: string;
  readonly namePolicy: NamePolicy;
  /** Every entry, parents before children. */
  list(): Promise<LocalEntry[]>;
  read(path: string): Promise<Uint8Array>;
  write(path: string, data: Uint8Array): Promise<void>;
  mkdir(path: string): Promise<void>;
}

export interface TransferRecord {
  boardPath: string;
  localPath: string;
  type: 'file' | 'dir';
  size: number;
  sha256: string;
}

export async function downloadTree(fs: BoardFs, boardDir: string, local: LocalFiles, reporter: Reporter): Promise<TransferRecord[]> {
  const entries = await fs.walk(boardDir);
  const files = entries.filter((e) => e.type === 'file').length;
  const records: TransferRecord[] = [];
  let done = 0;
  for (const e of entries) {
    const localPath = localPathFor(e.path, boardDir, local.namePolicy).join('/');
    if (localPath !== relativeBoardPath(e.path, boardDir)) {
      reporter.warn(`The board name ${JSON.stringify(e.path)} is not safe as a local name: saved as ${JSON.stringify(localPath)}`);
    }
    if (e.type === 'dir') {
      await local.mkdir(localPath);
      records.push({ boardPath: e.path, localPath, type: 'dir', size: 0, sha256: '' });
      continue;
    }
    const data = await fs.readFile(e.path);
    await local.write(localPath, data);
    records.push({ boardPath: e.path, localPath, type: 'file', size: data.length, sha256: toHex(sha256(data)) });
    reporter.progress('files', ++done, files, 'files');
    reporter.debug(`${e.path} -> ${localPath} (${data.length} bytes)`);
  }
  return records;
}

export interface UploadResult {
  written: string[];
  skipped: string[];
  /** Every file put or found on the board, with the local content's SHA-256 (for a check after the last write). */
  records: TransferRecord[];
}

export interface UploadItem {
  localPath: string;
  boardPath: string;
  type: 'file' | 'dir';
}

/** Puts local files on the board; `skipUnchanged` compares SHA-256 first (a hash costs less than a write). */
export async function uploadItems(
  items: readonly UploadItem[],
  local: LocalFiles,
  fs: BoardFs,
  opts: { skipUnchanged: boolean; onBytes?: (boardPath: string, done: number, total: number) => void },
  reporter: Reporter,
): Promise<UploadResult> {
  const result: UploadResult = { written: [], skipped: [], records: [] };
  const files = items.filter((i) => i.type === 'file').length;
  let done = 0;
  for (const item of items) {
    if (item.type === 'dir') {
      await fs.makeDirs(item.boardPath);
      continue;
    }
    const data = await local.read(item.localPath);
    const hash = toHex(sha256(data));
    result.records.push({ boardPath: item.boardPath, localPath: item.localPath, type: 'file', size: data.length, sha256: hash });
    if (opts.skipUnchanged && (await fs.sha256(item.boardPath)) === hash) {
      result.skipped.push(item.boardPath);
      reporter.debug(`${item.boardPath} unchanged`);
    } else {
      const onBytes = opts.onBytes;
      await fs.writeFile(item.boardPath, data, onBytes && ((done) => onBytes(item.boardPath, done, data.length)));
      result.written.push(item.boardPath);
      reporter.debug(`${item.localPath} -> ${item.boardPath} (${data.length} bytes)`);
    }
    reporter.progress('files', ++done, files, 'files');
  }
  return result;
}

/** A local tree mapped onto a board folder, one item per entry. */
export async function localTreeItems(local: LocalFiles, boardDir: string, exclude: ReadonlySet<string> = new Set()): Promise<UploadItem[]> {
  const entries = (await local.list()).filter((e) => !exclude.has(e.path));
  return entries.map((e) => ({ localPath: e.path, boardPath: joinBoardPath(boardDir, e.path), type: e.type }));
}

/** Compares board files with the records' hashes; returns the paths that differ or are missing. */
export async function verifyOnBoard(fs: BoardFs, records: readonly TransferRecord[]): Promise<string[]> {
  const bad: string[] = [];
  for (const r of records) {
    if (r.type !== 'file') continue;
    if ((await fs.sha256(r.boardPath)) !== r.sha256) bad.push(r.boardPath);
  }
  return bad;
}

