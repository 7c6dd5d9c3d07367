/**
 * File operations on the board as small Python snippets run in the raw REPL (mpremote's way): list with
 * os.ilistdir, read with `r=f.read` and `print(r(256))`, write with `w=f.write` and `w(b'...')`, hash
 * with hashlib.sha256. Board paths are absolute, '/'-separated, and always sent as quoted literals.
 */
import { UpyflashError } from '../errors.js';
import { concatBytes } from '../platform/bytes.js';
import { toHex } from '../platform/hash.js';
import { parsePyLiteral, parsePyLiterals, pyBytes, pyStr, type PyValue } from './python-literal.js';
import type { RawRepl } from './raw-repl.js';

export interface BoardEntry {
  /** Absolute path on the board. */
  path: string;
  name: string;
  type: 'file' | 'dir';
  /** Bytes; undefined when the port's ilistdir does not report it (ask `stat`). */
  size: number | undefined;
}

const S_IFDIR = 0x4000;
/** What the trace (and mpremote) reads per round trip. */
const READ_CHUNK = 256;
/** Bytes of file data per w(...) call, and calls per exec. */
const WRITE_CHUNK = 256;
const WRITES_PER_EXEC = 8;

export function joinBoardPath(dir: string, name: string): string {
  return dir === '/' || dir === '' ? `/${name}` : `${dir.replace(/\/+$/, '')}/${name}`;
}

/** Where writeFile puts the data until it is complete: the same folder, so the final rename is atomic. */
export function tempNameFor(path: string): string {
  return `${path}.upyflash-part`;
}

export class BoardFs {
  constructor(private readonly repl: RawRepl) {}

  async list(dir: string): Promise<BoardEntry[]> {
    const out = await this.repl.execOk(`import os\r\nfor f in os.ilistdir(${pyStr(dir)}):\r\n print(repr(f), end=',')`);
    return parsePyLiterals(out).map((t) => {
      if (!Array.isArray(t) || typeof t[0] !== 'string' || typeof t[1] !== 'number') {
        throw new UpyflashError('REPL_ERROR', `Unexpected directory entry from the board: ${JSON.stringify(t)}`);
      }
      const name = t[0];
      const size = typeof t[3] === 'number' ? t[3] : undefined;
      return { path: joinBoardPath(dir, name), name, type: t[1] & S_IFDIR ? 'dir' : 'file', size };
    });
  }

  /** Every entry under `dir`, parents before children. */
  async walk(dir: string): Promise<BoardEntry[]> {
    const out: BoardEntry[] = [];
    for (const e of await this.list(dir)) {
      out.push(e);
      if (e.type === 'dir') out.push(...(await this.walk(e.path)));
    }
    return out;
  }

  /** [mode, size], or undefined when nothing is there. */
  async stat(path: string): Promise<{ type: 'file' | 'dir'; size: number } | undefined> {
    const out = await this.repl.execOk(
      `import os\r\ntry:\r\n s=os.stat(${pyStr(path)})\r\nexcept OSError:\r\n s=None\r\nprint(repr(s and (s[0],s[6])))`,
    );
    const v = parsePyLiteral(out);
    if (v === null) return undefined;
    const [mode, size] = v as number[];
    return { type: mode! & S_IFDIR ? 'dir' : 'file', size: size! };
  }

  async readFile(path: string, onProgress?: (done: number) => void): Promise<Uint8Array> {
    await this.repl.execOk(`f=open(${pyStr(path)},'rb')\r\nr=f.read`);
    const parts: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const chunk = expectBytes(parsePyLiteral(await this.repl.execOk(`print(r(${READ_CHUNK}))`)));
        if (chunk.length === 0) break;
        parts.push(chunk);
        total += chunk.length;
        onProgress?.(total);
      }
    } finally {
      await this.repl.execOk('f.close()');
    }
    return concatBytes(parts);
  }

  /**
   * Writes under a temporary name beside the file, then renames it over the real one: a transfer cut
   * short (cable pulled, page closed) leaves the previous version intact, never a half-written file.
   */
  async writeFile(path: string, data: Uint8Array, onProgress?: (done: number) => void): Promise<void> {
    const temp = tempNameFor(path);
    await this.repl.execOk(`f=open(${pyStr(temp)},'wb')\r\nw=f.write`);
    try {
      for (let at = 0; at < data.length; ) {
        const lines: string[] = [];
        for (let i = 0; i < WRITES_PER_EXEC && at < data.length; i++, at += WRITE_CHUNK) {
          lines.push(`w(${pyBytes(data.subarray(at, at + WRITE_CHUNK))})`);
        }
        await this.repl.execOk(lines.join('\r\n'));
        onProgress?.(Math.min(at, data.length));
      }
      await this.repl.execOk('f.close()');
    } catch (e) {
      // The board may be gone (disconnect): the original error says why, not a failed cleanup.
      await this.repl.execOk(`f.close()\r\nimport os\r\nos.remove(${pyStr(temp)})`).catch(() => undefined);
      throw e;
    }
    // A refused rename (a folder of that name, say) must not leave the temporary file behind either.
    await this.repl.execOk(
      `import os\r\ntry:\r\n os.rename(${pyStr(temp)},${pyStr(path)})\r\nexcept OSError:\r\n os.remove(${pyStr(temp)})\r\n raise`,
    );
  }

  /** Renames (moves) a file or folder on the board. */
  async rename(from: string, to: string): Promise<void> {
    await this.repl.execOk(`import os\r\nos.rename(${pyStr(from)},${pyStr(to)})`);
  }

  /** SHA-256 (hex) of a board file, or undefined when there is no such file. */
  async sha256(path: string): Promise<string | undefined> {
    const out = await this.repl.execOk(
      'def _h(p):\r\n import hashlib\r\n try:\r\n  f=open(p,\'rb\')\r\n except OSError:\r\n  return None\r\n' +
        ' h=hashlib.sha256()\r\n while True:\r\n  b=f.read(512)\r\n  if not b:\r\n   break\r\n  h.update(b)\r\n' +
        ` f.close()\r\n return h.digest()\r\nprint(repr(_h(${pyStr(path)})))\r\ndel _h`,
    );
    const v = parsePyLiteral(out);
    return v === null ? undefined : toHex(expectBytes(v));
  }

  /** Creates the folder unless it exists (a file in its place is an error). */
  async mkdir(path: string): Promise<void> {
    await this.repl.execOk(
      `import os\r\ntry:\r\n s=os.stat(${pyStr(path)})[0]\r\nexcept OSError:\r\n os.mkdir(${pyStr(path)})\r\nelse:\r\n` +
        ` if not s&${S_IFDIR}:\r\n  raise OSError('exists and is not a directory')`,
    );
  }

  /** Creates every missing folder on the way to `path`. */
  async makeDirs(path: string): Promise<void> {
    const parts = path.split('/').filter((p) => p !== '');
    let at = '';
    for (const p of parts) {
      at += '/' + p;
      await this.mkdir(at);
    }
  }

  async remove(path: string): Promise<void> {
    await this.repl.execOk(`import os\r\nos.remove(${pyStr(path)})`);
  }

  async rmdir(path: string): Promise<void> {
    await this.repl.execOk(`import os\r\nos.rmdir(${pyStr(path)})`);
  }

  /** Removes a file, or a folder with everything in it. */
  async removeTree(path: string): Promise<void> {
    const st = await this.stat(path);
    if (!st) throw new UpyflashError('FILE_ERROR', `No such file or folder on the board: ${path}`);
    if (st.type === 'file') return this.remove(path);
    const entries = await this.walk(path);
    for (const e of entries.reverse()) {
      if (e.type === 'dir') await this.rmdir(e.path);
      else await this.remove(e.path);
    }
    await this.rmdir(path);
  }
}

function expectBytes(v: PyValue): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new UpyflashError('REPL_ERROR', `Expected bytes from the board, got ${JSON.stringify(v)}`);
  return v;
}
