/**
 * Where the installer gets bytes from. The Node CLI keeps every download in the cache folder so that a
 * second board installs offline (node/cached-source.ts); a page fetches directly (fetchSource).
 */
import { fetchGet, type HttpGet } from '../firmware/http.js';

export interface Fetched {
  readonly bytes: Uint8Array;
  /** Served from the cache because the network could not be reached (a mutable URL's copy may be old). */
  readonly stale: boolean;
}

export interface MipSource {
  /**
   * `immutable`: the URL's content never changes (a versioned package, a file named by its hash), so a
   * cached copy is used without asking the server.
   */
  fetch(url: string, opts: { immutable: boolean }): Promise<Fetched>;
}

export function fetchSource(get: HttpGet = fetchGet): MipSource {
  return {
    async fetch(url) {
      return { bytes: (await get(url)).bytes, stale: false };
    },
  };
}
