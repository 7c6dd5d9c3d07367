import { sha256, toHex } from '../platform/hash.js';

/**
 * Where downloaded firmware and parsed listings are kept between runs, keyed by URL. The Node
 * implementation writes files under the user's cache folder; the in-memory one serves tests and the
 * browser. Entries carry the SHA-256 recorded at download so a damaged file is noticed on reuse.
 */

export interface CachedFile {
  readonly url: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly downloadedAt: string;
}

export interface CachedListing<T> {
  readonly value: T;
  readonly fetchedAt: string;
}

export interface CatalogStore {
  /** Undefined when absent or when the bytes no longer match the recorded SHA-256. */
  readFile(url: string): Promise<CachedFile | undefined>;
  writeFile(url: string, bytes: Uint8Array, sha256: string): Promise<void>;
  /** URLs of all cached files (offline selection looks through them). */
  fileUrls(): Promise<string[]>;
  readListing<T>(url: string): Promise<CachedListing<T> | undefined>;
  writeListing<T>(url: string, value: T): Promise<void>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

export class MemoryCatalogStore implements CatalogStore {
  private readonly files = new Map<string, CachedFile>();
  private readonly listings = new Map<string, CachedListing<unknown>>();

  async readFile(url: string): Promise<CachedFile | undefined> {
    const f = this.files.get(url);
    return f && sha256Hex(f.bytes) === f.sha256 ? f : undefined;
  }
  async writeFile(url: string, bytes: Uint8Array, sha: string): Promise<void> {
    this.files.set(url, { url, bytes: bytes.slice(), sha256: sha, downloadedAt: new Date().toISOString() });
  }
  async fileUrls(): Promise<string[]> {
    return [...this.files.keys()];
  }
  async readListing<T>(url: string): Promise<CachedListing<T> | undefined> {
    return this.listings.get(url) as CachedListing<T> | undefined;
  }
  async writeListing<T>(url: string, value: T): Promise<void> {
    this.listings.set(url, { value, fetchedAt: new Date().toISOString() });
  }
}
