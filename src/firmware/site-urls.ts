import { UpyflashError } from '../errors.js';

/**
 * Where things live on micropython.org (or a mirror laid out the same way), and which URLs we are
 * willing to download from: HTTPS only, except a plain-http base the user configured explicitly.
 */

export const DEFAULT_BASE_URL = 'https://micropython.org';

export interface SiteBase {
  /** Origin plus optional path prefix, without a trailing slash. */
  readonly url: string;
  /** A plain http:// base: allowed because the user asked for it, worth a warning. */
  readonly plainHttp: boolean;
}

export function parseSiteBase(text: string | undefined): SiteBase {
  const raw = (text ?? DEFAULT_BASE_URL).trim();
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UpyflashError('BAD_ARGUMENT', `--base-url: "${raw}" is not a URL (use e.g. https://micropython.org)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new UpyflashError('BAD_ARGUMENT', `--base-url: "${raw}" must be an https:// URL`);
  }
  if (u.search || u.hash) throw new UpyflashError('BAD_ARGUMENT', `--base-url: "${raw}" must not carry a query or fragment`);
  const path = u.pathname.replace(/\/+$/, '');
  return { url: `${u.origin}${path}`, plainHttp: u.protocol === 'http:' };
}

const BOARD_ID_RE = /^[A-Za-z0-9_]+$/;

/** Board ids end up in URLs and cache file names: accept only the characters the site uses. */
export function checkBoardId(board: string): string {
  if (!BOARD_ID_RE.test(board)) {
    throw new UpyflashError('BAD_ARGUMENT', `--board: "${board}" is not a board id (like ESP32_GENERIC or ESP8266_GENERIC)`);
  }
  return board;
}

export function boardListUrl(base: SiteBase, mcu: string): string {
  return `${base.url}/download/?mcu=${encodeURIComponent(mcu)}`;
}

export function boardPageUrl(base: SiteBase, board: string): string {
  return `${base.url}/download/${checkBoardId(board)}/`;
}

/** Where the site serves firmware files (the fallback table builds its URLs here). */
export function firmwareFileUrl(base: SiteBase, fileName: string): string {
  return `${base.url}/resources/firmware/${encodeURIComponent(fileName)}`;
}

/**
 * Refuses URLs that would downgrade to plain HTTP (a page linking elsewhere, a redirect). The one
 * exception is the origin of a plain-http base the user configured on purpose (a local mirror).
 */
export function checkUrlAllowed(url: string, base: SiteBase): void {
  const u = new URL(url);
  if (u.protocol === 'https:') return;
  if (u.protocol === 'http:' && base.plainHttp && u.origin === new URL(base.url).origin) return;
  throw new UpyflashError('DOWNLOAD_FAILED', `refusing to download ${url}: only HTTPS is used unless --base-url names a plain-http mirror`, {
    details: { url, reason: 'insecure' },
  });
}

/** The last path segment of a URL, decoded: the firmware file name. */
export function fileNameOfUrl(url: string): string {
  const path = new URL(url).pathname.replace(/\/+$/, '');
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}
