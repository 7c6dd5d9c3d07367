import type { ChipSpec } from '../chips/index.js';
import { CHIPS } from '../chips/index.js';
import { isUpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import type { FirmwareCatalog, ListingSource } from './catalog.js';
import { firmwareFileName, formatBuildDate, parseFirmwareFileName } from './file-name.js';
import { KNOWN_RELEASES } from './release-table.js';
import { newestFirst } from './select.js';
import type { BoardSummary, FirmwareEntry } from './site-parser.js';
import { checkBoardId, firmwareFileUrl } from './site-urls.js';

/** One flashable file in a listing, as `firmware list --json` prints it. */
export interface FirmwareListItem {
  board: string;
  variant: string | null;
  version: string;
  /** YYYY-MM-DD */
  buildDate: string;
  preview: boolean;
  legacy: boolean;
  fileName: string;
  url: string;
  cached: boolean;
}

export interface BoardFirmware {
  board: string;
  title?: string;
  pageUrl: string;
  source: ListingSource | 'fallback-table';
  files: FirmwareListItem[];
}

export interface FirmwareListing {
  /** Boards for the chip (with --chip); empty otherwise. */
  boards: BoardSummary[];
  /** Versions per board: the named board, the chip's generic board, or every chip's generic board. */
  firmware: BoardFirmware[];
}

export interface ListRequest {
  chip?: ChipSpec;
  board?: string;
  /**
   * Words every listed board must contain (in its id, product name or vendor, any case): searches the
   * chip's board list, or every chip's, and lists each match's versions.
   */
  search?: string;
}

/** Every word of `search` in the board's id, name or vendor (any case; "s2 mini" finds LOLIN_S2_MINI). */
export function boardMatches(board: BoardSummary, search: string): boolean {
  const hay = [board.id.replace(/_/g, ' '), board.id, board.name ?? '', board.vendor ?? ''].join(' ').toLowerCase();
  return search.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

export async function listFirmware(catalog: FirmwareCatalog, req: ListRequest, reporter: Reporter): Promise<FirmwareListing> {
  if (req.search !== undefined && !req.board) return searchBoards(catalog, req.search, req.chip, reporter);
  const boards: BoardSummary[] = [];
  if (req.chip && !req.board) {
    // The site's mcu filter uses the same spelling as our chip ids (esp32s3).
    try {
      boards.push(...(await catalog.boardList(req.chip.id)).value);
    } catch (e) {
      // The versions below come from the board page; a board list we cannot read should not hide them.
      if (!isUpyflashError(e, 'CATALOG_UNREADABLE')) throw e;
      reporter.warn(e.message);
    }
  }
  const boardIds = req.board ? [checkBoardId(req.board)] : req.chip ? [req.chip.micropython.board] : CHIPS.map((c) => c.micropython.board);
  const firmware: BoardFirmware[] = [];
  for (const board of boardIds) {
    try {
      firmware.push(await boardFirmware(catalog, board, reporter));
    } catch (e) {
      // Listing every chip's generic board: one missing page should not hide the others.
      if (req.board || req.chip || !isUpyflashError(e, 'FIRMWARE_NOT_FOUND')) throw e;
      reporter.warn(e.message);
    }
  }
  return { boards, firmware };
}

async function boardFirmware(catalog: FirmwareCatalog, board: string, reporter: Reporter): Promise<BoardFirmware> {
  try {
    const page = await catalog.boardPage(board);
    const files = page.value.files.filter((f) => f.ext === 'bin' && f.board === board);
    return {
      board,
      ...(page.value.title ? { title: page.value.title } : {}),
      pageUrl: page.value.url,
      source: page.source,
      files: await items(catalog, files),
    };
  } catch (e) {
    if (!isUpyflashError(e, 'CATALOG_UNREADABLE')) throw e;
    reporter.warn(`${e.message}; showing upyflash's table of known releases instead (not checked against the site)`);
    const files = KNOWN_RELEASES.map((r) => {
      const name = firmwareFileName(board, undefined, r.buildDate, r.version);
      return { ...parseFirmwareFileName(name)!, url: firmwareFileUrl(catalog.base, name) };
    });
    return { board, pageUrl: String(e.details['url'] ?? ''), source: 'fallback-table', files: await items(catalog, files) };
  }
}

async function items(catalog: FirmwareCatalog, files: readonly FirmwareEntry[]): Promise<FirmwareListItem[]> {
  const out: FirmwareListItem[] = [];
  for (const f of [...files].sort(newestFirst)) {
    out.push({
      board: f.board,
      variant: f.variant ?? null,
      version: f.version,
      buildDate: formatBuildDate(f.buildDate),
      preview: f.preview,
      legacy: f.legacy,
      fileName: f.fileName,
      url: f.url,
      cached: await catalog.isCached(f.url),
    });
  }
  return out;
}

/**
 * Every board of the chip's list page (or of every chip's) whose words match, with its versions. A
 * board the site lists without a page of its own (a card only) is listed with no files; a list page that
 * cannot be read is said and skipped.
 */
async function searchBoards(catalog: FirmwareCatalog, search: string, chip: ChipSpec | undefined, reporter: Reporter): Promise<FirmwareListing> {
  const boards: BoardSummary[] = [];
  for (const c of chip ? [chip] : CHIPS) {
    try {
      boards.push(...(await catalog.boardList(c.id)).value.filter((b) => boardMatches(b, search) && !boards.some((o) => o.id === b.id)));
    } catch (e) {
      if (!isUpyflashError(e, 'CATALOG_UNREADABLE')) throw e;
      reporter.warn(e.message);
    }
  }
  const firmware: BoardFirmware[] = [];
  for (const b of boards) {
    try {
      firmware.push(await boardFirmware(catalog, b.id, reporter));
    } catch (e) {
      if (!isUpyflashError(e, 'FIRMWARE_NOT_FOUND')) throw e;
      reporter.debug(`${b.id}: ${e.message}`);
    }
  }
  return { boards, firmware };
}
