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
}

export async function listFirmware(catalog: FirmwareCatalog, req: ListRequest, reporter: Reporter): Promise<FirmwareListing> {
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
