import { UpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import { isUnreachable, isNotFound, type HttpGet } from './http.js';
import { parseBoardList, parseBoardPage, type BoardPage, type BoardSummary } from './site-parser.js';
import { boardListUrl, boardPageUrl, checkUrlAllowed, type SiteBase } from './site-urls.js';
import { sha256Hex, type CatalogStore } from './store.js';

/**
 * The download site seen through the cache: pages are fetched and parsed when the site answers, and
 * the last good parse is kept so that `flash` with no file also works offline. Firmware files are
 * fetched once per URL (names carry version and date, so a URL's content does not change) and reused
 * while their recorded SHA-256 still matches.
 */

export type ListingSource = 'site' | 'cache';

export interface Listing<T> {
  readonly value: T;
  readonly source: ListingSource;
  readonly fetchedAt?: string;
}

export interface CatalogOptions {
  readonly http: HttpGet;
  readonly store: CatalogStore;
  readonly base: SiteBase;
  readonly reporter: Reporter;
  /** Ignore cached copies when the site can be reached. */
  readonly refresh?: boolean;
}

export interface DownloadedFile {
  readonly url: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly fromCache: boolean;
}

export class FirmwareCatalog {
  constructor(private readonly opts: CatalogOptions) {}

  get base(): SiteBase {
    return this.opts.base;
  }

  async boardList(mcu: string): Promise<Listing<BoardSummary[]>> {
    const url = boardListUrl(this.opts.base, mcu);
    try {
      return await this.listing(url, 'board list', (html) => parseBoardList(html, url));
    } catch (e) {
      if (isNotFound(e)) {
        throw new UpyflashError('CATALOG_UNREADABLE', `${url} answered 404: the board list is not where upyflash expects it`, { details: { url }, cause: e });
      }
      throw e;
    }
  }

  async boardPage(board: string): Promise<Listing<BoardPage>> {
    const url = boardPageUrl(this.opts.base, board);
    try {
      return await this.listing(url, `${board} page`, (html) => parseBoardPage(html, url, board));
    } catch (e) {
      if (isNotFound(e)) {
        throw new UpyflashError('FIRMWARE_NOT_FOUND', `board ${board} is not on ${this.opts.base.url} (${url} answered 404)`, {
          details: { url, board },
          cause: e,
        });
      }
      throw e;
    }
  }

  /**
   * Fetches a firmware file; `check` runs on the bytes before anything is cached (and on cached bytes
   * before reuse) and throws when they are not a usable image.
   */
  async download(url: string, check: (bytes: Uint8Array) => void): Promise<DownloadedFile> {
    checkUrlAllowed(url, this.opts.base);
    const { store, reporter } = this.opts;
    const cached = await store.readFile(url);
    if (cached && !this.opts.refresh) {
      check(cached.bytes);
      reporter.info(`Using cached ${url} (downloaded ${cached.downloadedAt})`);
      return { url, bytes: cached.bytes, sha256: cached.sha256, fromCache: true };
    }
    let body;
    try {
      reporter.phase('download', `Downloading ${url}`);
      body = await this.opts.http(url, { onProgress: (done, total) => reporter.progress('download', done, total ?? done) });
    } catch (e) {
      if (cached && isUnreachable(e)) {
        check(cached.bytes);
        reporter.warn(`${(e as Error).message}; offline: using the cached copy downloaded ${cached.downloadedAt}`);
        return { url, bytes: cached.bytes, sha256: cached.sha256, fromCache: true };
      }
      throw e;
    }
    checkUrlAllowed(body.finalUrl, this.opts.base);
    check(body.bytes);
    const sha = sha256Hex(body.bytes);
    await store.writeFile(url, body.bytes, sha);
    return { url, bytes: body.bytes, sha256: sha, fromCache: false };
  }

  /** True when the store has a usable copy of this URL (offline selection prefers such files). */
  async isCached(url: string): Promise<boolean> {
    return (await this.opts.store.readFile(url)) !== undefined;
  }

  async cachedFileUrls(): Promise<string[]> {
    return this.opts.store.fileUrls();
  }

  private async listing<T>(url: string, what: string, parseHtml: (html: string) => T): Promise<Listing<T>> {
    const { store, reporter, http } = this.opts;
    checkUrlAllowed(url, this.opts.base);
    let html: string;
    try {
      const body = await http(url);
      checkUrlAllowed(body.finalUrl, this.opts.base);
      html = new TextDecoder().decode(body.bytes);
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      const cached = await store.readListing<T>(url);
      if (!cached) {
        throw new UpyflashError('OFFLINE_NO_CACHE', `${(e as Error).message}; and no cached ${what} from an earlier run`, {
          details: { url },
          cause: e,
        });
      }
      reporter.warn(`${(e as Error).message}; offline: using the ${what} cached ${cached.fetchedAt}`);
      return { value: cached.value, source: 'cache', fetchedAt: cached.fetchedAt };
    }
    const value = parseHtml(html);
    await store.writeListing(url, value);
    return { value, source: 'site' };
  }
}
