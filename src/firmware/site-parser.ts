import { parse, type HTMLElement } from 'node-html-parser';
import { UpyflashError } from '../errors.js';
import { parseFirmwareFileName, type ParsedFirmwareName } from './file-name.js';
import { fileNameOfUrl } from './site-urls.js';

/**
 * Reads micropython.org's download pages. The site has no API, so this is a scraper; it keys on the few
 * things that have been stable for years (board cards are `a.board-card` with the board id as relative
 * href; firmware links point under `/resources/firmware/`) and says so loudly when they are missing.
 */

export interface BoardSummary {
  readonly id: string;
  /** Product name as the card shows it ("ESP32-S3"). */
  readonly name?: string;
  readonly vendor?: string;
  readonly url: string;
}

export interface FirmwareEntry extends ParsedFirmwareName {
  readonly url: string;
}

export interface BoardPage {
  readonly board: string;
  readonly url: string;
  /** The page's heading, e.g. "ESP32 / WROOM". */
  readonly title?: string;
  readonly files: readonly FirmwareEntry[];
}

export function parseBoardList(html: string, pageUrl: string): BoardSummary[] {
  const root = parse(html);
  const cards = root.querySelectorAll('a.board-card');
  const boards: BoardSummary[] = [];
  const seen = new Set<string>();
  for (const card of cards) {
    const href = card.getAttribute('href');
    if (!href) continue;
    const url = new URL(href, pageUrl);
    const id = decodeURIComponent(url.pathname.replace(/\/+$/, '').split('/').pop() ?? '');
    if (!/^[A-Za-z0-9_]+$/.test(id) || seen.has(id)) continue;
    seen.add(id);
    url.search = '';
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    const name = textOfClass(card, 'product') ?? textOfFirst(card, 'h1, h2, h3, h4, h5, strong');
    const vendor = textOfClass(card, 'vendor');
    boards.push({ id, url: url.toString(), ...(name ? { name } : {}), ...(vendor ? { vendor } : {}) });
  }
  if (boards.length === 0) {
    throw new UpyflashError('CATALOG_UNREADABLE', `no boards found on ${pageUrl}: the page layout is not the one upyflash knows`, {
      details: { url: pageUrl },
    });
  }
  return boards;
}

export function parseBoardPage(html: string, pageUrl: string, board: string): BoardPage {
  const root = parse(html);
  const files: FirmwareEntry[] = [];
  const seen = new Set<string>();
  for (const a of root.querySelectorAll('a[href]')) {
    const url = new URL(a.getAttribute('href')!, pageUrl);
    if (!url.pathname.includes('/resources/firmware/')) continue;
    url.hash = '';
    const key = url.toString();
    if (seen.has(key)) continue;
    seen.add(key);
    const parsed = parseFirmwareFileName(fileNameOfUrl(key));
    if (parsed) files.push({ ...parsed, url: key });
  }
  if (files.length === 0) {
    throw new UpyflashError('CATALOG_UNREADABLE', `no firmware links found on ${pageUrl}: the page layout is not the one upyflash knows`, {
      details: { url: pageUrl },
    });
  }
  const title = textOfFirst(root, 'h1');
  return { board, url: pageUrl, files, ...(title ? { title } : {}) };
}

function textOfClass(el: HTMLElement, fragment: string): string | undefined {
  for (const child of el.querySelectorAll('*')) {
    if ((child.getAttribute('class') ?? '').split(/\s+/).some((c) => c.includes(fragment))) return clean(child.text);
  }
  return undefined;
}

function textOfFirst(el: HTMLElement, selector: string): string | undefined {
  const found = el.querySelector(selector);
  return found ? clean(found.text) : undefined;
}

function clean(text: string): string | undefined {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 0 ? t : undefined;
}
