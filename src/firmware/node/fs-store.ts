import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UpyflashError } from '../../errors.js';
import { writeFileAtomic } from '../../platform/node/atomic-write.js';
import { sha256Hex, type CachedFile, type CachedListing, type CatalogStore } from '../store.js';

/**
 * The catalog cache on disk:
 *   <dir>/index.json            which URL is in which file, its SHA-256 and when it was fetched
 *   <dir>/firmware/<key>-<name> downloaded images
 *   <dir>/listings/<key>.json   parsed download pages (for offline `flash` with no file)
 * Every write goes to a temporary file first and is renamed into place, so a crash or a parallel run
 * never leaves a half-written image or index behind.
 */

interface IndexFile {
  version: 1;
  files: Record<string, { file: string; sha256: string; size: number; downloadedAt: string }>;
  listings: Record<string, { file: string; fetchedAt: string }>;
}

export class FsCatalogStore implements CatalogStore {
  constructor(readonly dir: string) {}

  async readFile(url: string): Promise<CachedFile | undefined> {
    const entry = (await this.readIndex()).files[url];
    if (!entry) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(join(this.dir, entry.file)));
    } catch {
      return undefined;
    }
    // A file changed behind our back is as good as absent: it will be fetched again.
    if (sha256Hex(bytes) !== entry.sha256) return undefined;
    return { url, bytes, sha256: entry.sha256, downloadedAt: entry.downloadedAt };
  }

  async writeFile(url: string, bytes: Uint8Array, sha256: string): Promise<void> {
    const name = `firmware/${urlKey(url)}-${safeName(url)}`;
    await this.atomicWrite(name, bytes);
    await this.updateIndex((index) => {
      index.files[url] = { file: name, sha256, size: bytes.length, downloadedAt: new Date().toISOString() };
    });
  }

  async fileUrls(): Promise<string[]> {
    return Object.keys((await this.readIndex()).files);
  }

  async readListing<T>(url: string): Promise<CachedListing<T> | undefined> {
    const entry = (await this.readIndex()).listings[url];
    if (!entry) return undefined;
    try {
      const value = JSON.parse(await readFile(join(this.dir, entry.file), 'utf8')) as T;
      return { value, fetchedAt: entry.fetchedAt };
    } catch {
      return undefined;
    }
  }

  async writeListing<T>(url: string, value: T): Promise<void> {
    const name = `listings/${urlKey(url)}.json`;
    await this.atomicWrite(name, new TextEncoder().encode(JSON.stringify(value)));
    await this.updateIndex((index) => {
      index.listings[url] = { file: name, fetchedAt: new Date().toISOString() };
    });
  }

  private async readIndex(): Promise<IndexFile> {
    try {
      const parsed = JSON.parse(await readFile(join(this.dir, 'index.json'), 'utf8')) as Partial<IndexFile>;
      if (parsed.version === 1 && parsed.files && parsed.listings) return parsed as IndexFile;
    } catch {
      // Missing or unreadable index: start afresh; the files it named are simply fetched again.
    }
    return { version: 1, files: {}, listings: {} };
  }

  private async updateIndex(change: (index: IndexFile) => void): Promise<void> {
    // Re-read right before writing so a parallel run's entries are kept (last writer still wins per key).
    const index = await this.readIndex();
    change(index);
    await this.atomicWrite('index.json', new TextEncoder().encode(JSON.stringify(index, null, 2)));
  }

  private async atomicWrite(relative: string, bytes: Uint8Array): Promise<void> {
    const target = join(this.dir, relative);
    try {
      await writeFileAtomic(target, bytes);
    } catch (e) {
      throw new UpyflashError('FILE_ERROR', `cannot write the firmware cache at ${target}: ${(e as Error).message}`, {
        hint: 'Check that the cache folder is writable, or point UPYFLASH_CACHE_DIR elsewhere.',
        cause: e,
      });
    }
  }

}

/** Short stable key per URL: the same file name from two mirrors must not collide. */
function urlKey(url: string): string {
  return sha256Hex(new TextEncoder().encode(url)).slice(0, 12);
}

function safeName(url: string): string {
  const last = new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'file';
  return decodeURIComponent(last).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
}
