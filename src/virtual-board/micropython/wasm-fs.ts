/**
 * Moves the board's files between the flash record (fs-image) and the WebAssembly MicroPython's
 * in-memory filesystem. Emscripten starts with /tmp, /home, /dev and /proc; a real board's root holds
 * only the user's files, so those are removed before the files are put in place.
 */
import type { EmscriptenFs } from '@micropython/micropython-webassembly-pyscript';
import type { FsEntry } from './fs-image.js';

const EMSCRIPTEN_DIRS = ['/proc/self/fd', '/proc/self', '/proc', '/tmp', '/home', '/dev'];

export function clearEmscriptenDirs(fs: EmscriptenFs): void {
  for (const dir of EMSCRIPTEN_DIRS) {
    try {
      removeTree(fs, dir);
    } catch {
      // Already gone (removed with its parent) or a mount we cannot drop: harmless either way.
    }
  }
}

function removeTree(fs: EmscriptenFs, path: string): void {
  // rmdir first: the /proc/self/fd mount cannot even be stat'ed, but an empty-looking dir goes.
  try {
    fs.rmdir(path);
    return;
  } catch {
    // Not a directory, or not empty.
  }
  if (!fs.isDir(fs.lstat(path).mode)) {
    fs.unlink(path);
    return;
  }
  for (const name of fs.readdir(path)) if (name !== '.' && name !== '..') removeTree(fs, `${path}/${name}`);
  fs.rmdir(path);
}

/** Every directory and file under /, parents before children, in a stable order. */
export function snapshotFiles(fs: EmscriptenFs): FsEntry[] {
  const out: FsEntry[] = [];
  const walk = (dir: string): void => {
    const names = fs.readdir(dir === '' ? '/' : dir).filter((n) => n !== '.' && n !== '..').sort();
    for (const name of names) {
      const path = `${dir}/${name}`;
      const st = fs.stat(path);
      if (fs.isDir(st.mode)) {
        out.push({ kind: 'dir', path });
        walk(path);
      } else if (fs.isFile(st.mode)) {
        out.push({ kind: 'file', path, data: fs.readFile(path) });
      }
    }
  };
  walk('');
  return out;
}

export function restoreFiles(fs: EmscriptenFs, entries: readonly FsEntry[]): void {
  for (const e of entries) {
    if (e.kind === 'dir') fs.mkdir(e.path);
    else fs.writeFile(e.path, e.data);
  }
}
