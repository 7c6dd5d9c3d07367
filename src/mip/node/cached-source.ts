/**
 * The package downloads kept in the cache folder (<cache>/mip/), so that a second board installs the
 * same packages with the index out of reach. A URL whose content never changes (a versioned package
 * description, a file named by its hash) is served from the cache without asking; others are fetched
 * and fall back to the cached copy only when the server cannot be reached.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UpyflashError } from '../../errors.js';
import { fetchGet, isUnreachable, type HttpGet } from '../../firmware/http.js';
import { defaultCacheDir } from '../../platform/node/cache-dir.js';
import { sha256, toHex } from '../../platform/hash.js';
import { writeFileAtomic } from '../../platform/node/atomic-write.js';
import type { Fetched, MipSource } from '../source.js';

export class CachedMipSource implements MipSource {
  readonly dir: string;

  constructor(cacheDir: string = defaultCacheDir(), private readonly get: HttpGet = fetchGet) {
    this.dir = join(cacheDir, 'mip');
  }

  async fetch(url: string, opts: { immutable: boolean }): Promise<Fetched> {
    const file = this.fileFor(url);
    if (opts.immutable) {
      const kept = await readFile(file).catch(() => undefined);
      if (kept) return { bytes: new Uint8Array(kept), stale: false };
    }
    try {
      const { bytes } = await this.get(url, { idleTimeoutMs: 15_000 });
      await this.keep(file, bytes);
      return { bytes, stale: false };
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      const kept = await readFile(file).catch(() => undefined);
      if (!kept) throw e;
      return { bytes: new Uint8Array(kept), stale: true };
    }
  }

  /** One file per URL, named by its hash (the readable tail helps a person looking in the folder). */
  private fileFor(url: string): string {
    const tail = url.split('/').pop()!.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
    return join(this.dir, `${toHex(sha256(new TextEncoder().encode(url))).slice(0, 24)}-${tail}`);
  }

  private async keep(file: string, bytes: Uint8Array): Promise<void> {
    try {
      await writeFileAtomic(file, bytes);
    } catch (e) {
      throw new UpyflashError('FILE_ERROR', `cannot write the package cache at ${file}: ${(e as Error).message}`, {
        hint: 'Check that the cache folder is writable, or point UPYFLASH_CACHE_DIR elsewhere.',
        cause: e,
      });
    }
  }

}
