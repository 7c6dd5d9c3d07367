import { Reporter } from '../../progress.js';
import { FirmwareCatalog } from '../catalog.js';
import { checkDownloadedFirmware } from '../check-download.js';
import { fetchGet, type HttpGet } from '../http.js';
import { listFirmware, type FirmwareListing, type ListRequest } from '../list.js';
import { resolveFirmwareWith, type FirmwareRequest, type ResolvedFirmware } from '../resolve.js';
import { DEFAULT_BASE_URL, parseSiteBase } from '../site-urls.js';
import { defaultCacheDir } from '../../platform/node/cache-dir.js';
import { FsCatalogStore } from './fs-store.js';

/**
 * The catalog as Node programs use it: fetch from micropython.org (or UPYFLASH_BASE_URL), cache under the
 * user's cache folder (or UPYFLASH_CACHE_DIR).
 */

export interface NodeCatalogOptions {
  baseUrl?: string;
  cacheDir?: string;
  refresh?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
  /** Replaces `fetch` (tests inject failures here). */
  http?: HttpGet;
}

export function openCatalog(opts: NodeCatalogOptions, reporter: Reporter): FirmwareCatalog & { readonly cacheDir: string } {
  const env = opts.env ?? process.env;
  // An empty variable counts as unset, as shells make it easy to export one by accident.
  const base = parseSiteBase(opts.baseUrl || env['UPYFLASH_BASE_URL'] || DEFAULT_BASE_URL);
  if (base.plainHttp) {
    reporter.warn(`using plain HTTP for ${base.url} because it was configured explicitly (--base-url or UPYFLASH_BASE_URL): downloads are not protected in transit`);
  }
  const cacheDir = opts.cacheDir || defaultCacheDir(env);
  const catalog = new FirmwareCatalog({
    http: opts.http ?? fetchGet,
    store: new FsCatalogStore(cacheDir),
    base,
    reporter,
    ...(opts.refresh ? { refresh: true } : {}),
  });
  return Object.assign(catalog, { cacheDir });
}

/** `flash` with no FILE: the right MicroPython for this chip, validated, from the site or the cache. */
export async function resolveFirmware(req: FirmwareRequest, reporter: Reporter = new Reporter(), opts: Omit<NodeCatalogOptions, 'baseUrl' | 'cacheDir' | 'refresh'> = {}): Promise<ResolvedFirmware> {
  const catalog = openCatalog(
    {
      ...opts,
      ...(req.baseUrl !== undefined ? { baseUrl: req.baseUrl } : {}),
      ...(req.cacheDir !== undefined ? { cacheDir: req.cacheDir } : {}),
      ...(req.refresh ? { refresh: true } : {}),
    },
    reporter,
  );
  return resolveFirmwareWith({ catalog, check: checkDownloadedFirmware }, req, reporter);
}

export async function listFirmwareOnSite(req: ListRequest & Omit<NodeCatalogOptions, 'http'>, reporter: Reporter = new Reporter()): Promise<FirmwareListing> {
  return listFirmware(openCatalog(req, reporter), req, reporter);
}

export type { FirmwareRequest, ResolvedFirmware } from '../resolve.js';
