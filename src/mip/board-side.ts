/**
 * The board's half of `mip install` and `mip list`, over the raw REPL: what bytecode version it loads
 * and where its library folder is, whether the files fit, the write itself (through the files panel's
 * safe write, skipping files already there with the same content), and what is installed.
 */
import { UpyflashError, isUpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import { BoardFs, joinBoardPath, type BoardEntry } from '../repl/board-fs.js';
import { uploadItems, type LocalFiles, type UploadItem, type UploadResult } from '../repl/file-transfer.js';
import { parsePyLiteral } from '../repl/python-literal.js';
import type { RawRepl } from '../repl/raw-repl.js';
import type { InstallPlan, PlannedFile } from './plan.js';

export interface BoardLibInfo {
  /** sys.implementation._mpy & 0xff; undefined when the firmware loads no .mpy. */
  mpy: number | undefined;
  /** The first sys.path entry ending in /lib, as mip uses. */
  libDir: string | undefined;
}

export async function boardLibInfo(repl: RawRepl): Promise<BoardLibInfo> {
  const out = await repl.execOk(
    "import sys\r\nprint(repr((getattr(sys.implementation,'_mpy',0)&0xff,[p for p in sys.path if p.endswith('/lib')])))",
  );
  const v = parsePyLiteral(out);
  if (!Array.isArray(v) || typeof v[0] !== 'number' || !Array.isArray(v[1])) {
    throw new UpyflashError('REPL_ERROR', `Unexpected answer about sys.implementation: ${new TextDecoder().decode(out)}`);
  }
  const libs = v[1].filter((p): p is string => typeof p === 'string');
  return { mpy: v[0] === 0 ? undefined : v[0], libDir: libs[0] };
}

/** Free bytes and the block size of the board's filesystem (os.statvfs). */
export async function freeSpace(repl: RawRepl): Promise<{ free: number; block: number } | undefined> {
  // The target may not exist yet; on ESP boards one filesystem holds everything.
  const out = await repl.execOk(`import os\r\ntry:\r\n s=os.statvfs('/')\r\nexcept Exception:\r\n s=None\r\nprint(repr(s and (s[0],s[4])))`);
  const v = parsePyLiteral(out);
  if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'number') return undefined;
  return { free: v[0] * v[1], block: v[0] };
}

export interface InstallResult extends UploadResult {
  target: string;
}

/** In-memory files of a plan, as the transfer code's local side. */
function planFiles(files: readonly PlannedFile[]): LocalFiles {
  const byPath = new Map(files.map((f) => [f.path, f.bytes]));
  return {
    description: 'the downloaded package files',
    namePolicy: {},
    list: async () => files.map((f) => ({ path: f.path, type: 'file' as const })),
    read: async (p) => byPath.get(p)!,
    write: async () => {
      throw new UpyflashError('INTERNAL', 'package files are read-only');
    },
    mkdir: async () => undefined,
  };
}

function isNoSpace(e: unknown): boolean {
  if (!isUpyflashError(e, 'REPL_ERROR')) return false;
  const text = `${e.message} ${String(e.details['traceback'] ?? '')}`;
  return /ENOSPC|Errno 28\b|\b28\]/.test(text);
}

export async function installOnBoard(
  repl: RawRepl,
  plan: InstallPlan,
  target: string,
  reporter: Reporter,
  onBytes?: (path: string, done: number, total: number) => void,
): Promise<InstallResult> {
  const fs = new BoardFs(repl);
  const existing = new Map<string, number>();
  for (const f of plan.files) {
    const st = await fs.stat(joinBoardPath(target, f.path));
    if (st?.type === 'dir') throw new UpyflashError('FILE_ERROR', `${joinBoardPath(target, f.path)} is a folder on the board; the package has a file there`);
    if (st) existing.set(f.path, st.size);
  }
  const space = await freeSpace(repl);
  if (space) {
    const round = (n: number): number => Math.ceil(n / space.block) * space.block;
    // Each new file also costs its metadata block on LittleFS; a replaced file frees its old blocks.
    const needed = plan.files.reduce((sum, f) => {
      const old = existing.get(f.path);
      return sum + round(f.bytes.length) + (old === undefined ? space.block : -round(old));
    }, 0);
    if (needed > space.free) throw boardFull(needed, space.free, target);
  }
  const dirs = new Set<string>();
  for (const f of plan.files) {
    const parts = f.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const items: UploadItem[] = [
    { localPath: '', boardPath: target, type: 'dir' },
    ...[...dirs].sort().map((d) => ({ localPath: d, boardPath: joinBoardPath(target, d), type: 'dir' as const })),
    ...plan.files.map((f) => ({ localPath: f.path, boardPath: joinBoardPath(target, f.path), type: 'file' as const })),
  ];
  try {
    const r = await uploadItems(items, planFiles(plan.files), fs, { skipUnchanged: true, ...(onBytes ? { onBytes } : {}) }, reporter);
    return { ...r, target };
  } catch (e) {
    if (!isNoSpace(e)) throw e;
    // Take back the files this install created, so the board keeps what it had.
    for (const f of plan.files) {
      if (!existing.has(f.path)) await fs.remove(joinBoardPath(target, f.path)).catch(() => undefined);
    }
    throw boardFull(undefined, space?.free, target, e);
  }
}

function boardFull(needed: number | undefined, free: number | undefined, target: string, cause?: unknown): UpyflashError {
  const sizes = needed !== undefined && free !== undefined ? `: needs about ${kib(needed)}, ${kib(free)} free` : '';
  return new UpyflashError('BOARD_FULL', `The package does not fit on the board${sizes}`, {
    details: { target, ...(needed !== undefined ? { needed } : {}), ...(free !== undefined ? { free } : {}) },
    ...(cause !== undefined ? { cause } : {}),
  });
}

function kib(n: number): string {
  return `${Math.round(n / 1024)} KiB`;
}

export interface InstalledLibrary {
  /** Module or package name as `import` uses it. */
  name: string;
  type: 'package' | 'module';
  files: number;
  bytes: number;
}

/** What the library folder holds: folders are packages, .py/.mpy files modules. */
export async function installedLibraries(repl: RawRepl, target: string): Promise<InstalledLibrary[]> {
  const fs = new BoardFs(repl);
  if ((await fs.stat(target))?.type !== 'dir') return [];
  const out: InstalledLibrary[] = [];
  for (const e of await fs.list(target)) {
    if (e.type === 'dir') {
      const inside = (await fs.walk(e.path)).filter((x) => x.type === 'file');
      out.push({ name: e.name, type: 'package', files: inside.length, bytes: await sizeOf(fs, inside) });
    } else if (/\.m?py$/.test(e.name)) {
      out.push({ name: e.name.replace(/\.m?py$/, ''), type: 'module', files: 1, bytes: await sizeOf(fs, [e]) });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function sizeOf(fs: BoardFs, entries: readonly BoardEntry[]): Promise<number> {
  let total = 0;
  for (const e of entries) total += e.size ?? (await fs.stat(e.path))?.size ?? 0;
  return total;
}
