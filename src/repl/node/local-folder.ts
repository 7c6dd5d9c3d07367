/**
 * A local folder as a LocalFiles store (Node only). Every path is resolved against the root and
 * checked to stay inside it, after symlinks, so a name that slipped through escaping still cannot
 * write elsewhere.
 */
import { mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UpyflashError } from '../../errors.js';
import type { LocalEntry, LocalFiles } from '../file-transfer.js';
import type { NamePolicy } from '../local-names.js';

export class LocalFolder implements LocalFiles {
  readonly root: string;
  readonly namePolicy: NamePolicy = { windows: process.platform === 'win32' };

  constructor(root: string) {
    this.root = resolve(root);
  }

  get description(): string {
    return this.root;
  }

  async list(): Promise<LocalEntry[]> {
    const out: LocalEntry[] = [];
    const walk = async (rel: string): Promise<void> => {
      const entries = await readdir(join(this.root, rel), { withFileTypes: true }).catch((e: unknown) => {
        throw fileError(`Cannot read the folder ${join(this.root, rel)}`, e);
      });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const d of entries) {
        const path = rel === '' ? d.name : `${rel}/${d.name}`;
        if (d.isDirectory()) {
          out.push({ path, type: 'dir' });
          await walk(path);
        } else if (d.isFile()) {
          out.push({ path, type: 'file' });
        }
      }
    };
    await walk('');
    return out;
  }

  async read(path: string): Promise<Uint8Array> {
    const full = await this.inside(path);
    return new Uint8Array(await readFile(full).catch((e: unknown) => {
      throw fileError(`Cannot read ${full}`, e);
    }));
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    const full = await this.inside(path);
    await mkdir(dirname(full), { recursive: true });
    await this.inside(path);
    await writeFile(full, data).catch((e: unknown) => {
      throw fileError(`Cannot write ${full}`, e);
    });
  }

  async mkdir(path: string): Promise<void> {
    const full = await this.inside(path);
    await mkdir(full, { recursive: true }).catch((e: unknown) => {
      throw fileError(`Cannot create the folder ${full}`, e);
    });
  }

  /** The absolute path for `path`, refused when it (or an existing parent's real location) leaves the root. */
  private async inside(path: string): Promise<string> {
    const full = resolve(this.root, ...path.split('/'));
    const rel = relative(this.root, full);
    if (isAbsolute(path) || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new UpyflashError('UNSAFE_PATH', `Refused ${JSON.stringify(path)}: it would leave ${this.root}`);
    }
    await mkdir(this.root, { recursive: true });
    const realRoot = await realpath(this.root);
    // The deepest existing ancestor must really be inside the root (no symlink out of it).
    let probe = dirname(full);
    for (;;) {
      const real = await realpath(probe).catch(() => undefined);
      if (real !== undefined) {
        if (real !== realRoot && !real.startsWith(realRoot + sep)) {
          throw new UpyflashError('UNSAFE_PATH', `Refused ${JSON.stringify(path)}: ${probe} leads outside ${this.root}`);
        }
        break;
      }
      probe = dirname(probe);
    }
    return full;
  }
}

function fileError(message: string, cause: unknown): UpyflashError {
  return new UpyflashError('FILE_ERROR', `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}
