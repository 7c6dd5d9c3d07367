/**
 * The local server's firmware source (Node only): the CLI's catalog and cache (src/firmware/node), so the
 * page and `upyflash flash` share downloads, offline copies and the checks on downloaded bytes.
 */
import type { ChipSpec } from '../../chips/types.js';
import { UpyflashError } from '../../errors.js';
import { Reporter } from '../../progress.js';
import { checkDownloadedFirmware } from '../../firmware/check-download.js';
import { formatBuildDate, parseFirmwareFileName } from '../../firmware/file-name.js';
import { openCatalog, type NodeCatalogOptions } from '../../firmware/node/resolve.js';
import { newestFirst } from '../../firmware/select.js';
import { boardMatches } from '../../firmware/list.js';
import { checkBoardId, firmwareFileUrl } from '../../firmware/site-urls.js';
import type { FirmwareChoice } from '../api.js';
import type { FirmwareCatalogPort } from '../catalog-port.js';

export interface NodeCatalogPortOptions {
  /** micropython.org or a mirror laid out the same way (default: UPYFLASH_BASE_URL, else micropython.org). */
  readonly baseUrl?: string;
  readonly cacheDir?: string;
  readonly env?: NodeCatalogOptions['env'];
  /** Catalog messages (downloads, offline fallbacks) go here; the CLI passes its own reporter. */
  readonly reporter?: Reporter;
}

export function createNodeCatalogPort(opts: NodeCatalogPortOptions = {}): FirmwareCatalogPort {
  const catalog = openCatalog(
    {
      ...(opts.baseUrl !== undefined ? { baseUrl: opts.baseUrl } : {}),
      ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
      ...(opts.env !== undefined ? { env: opts.env } : {}),
    },
    opts.reporter ?? new Reporter(),
  );
  return {
    async list(chip: ChipSpec, named?: string) {
      const board = named === undefined ? chip.micropython.board : checkBoardId(named);
      const page = await catalog.boardPage(board);
      const cached = new Set(await catalog.cachedFileUrls());
      // Full images only: an .app-bin or .elf is not something a beginner's one-click flash should offer.
      const entries = page.value.files.filter((f) => f.board === board && f.ext === 'bin').slice().sort(newestFirst);
      if (entries.length === 0) {
        throw new UpyflashError('FIRMWARE_NOT_FOUND', `${page.value.url} lists no .bin firmware for ${board}`);
      }
      const choices: FirmwareChoice[] = entries.map((e) => ({
        file: e.fileName,
        board: e.board,
        variant: e.variant,
        version: e.version,
        date: e.buildDate ? formatBuildDate(e.buildDate) : undefined,
        preview: e.preview,
        cached: cached.has(e.url),
      }));
      return { board, choices, offline: page.source === 'cache' };
    },

    async searchBoards(chip: ChipSpec, search: string) {
      // The site's mcu filter spells chips as our ids do (esp32s3), as `firmware list --chip X --search` uses it.
      const boards = (await catalog.boardList(chip.id)).value.filter((b) => boardMatches(b, search));
      return boards.map((b) => ({ id: b.id, name: b.name, vendor: b.vendor }));
    },

    async fetch(file: string) {
      const parsed = parseFirmwareFileName(file);
      if (!parsed || parsed.ext !== 'bin') {
        throw new UpyflashError('BAD_ARGUMENT', `"${file}" is not a MicroPython firmware .bin name`);
      }
      const url = firmwareFileUrl(catalog.base, file);
      const got = await catalog.download(url, (bytes) => {
        checkDownloadedFirmware(bytes, { fileName: file, url });
      });
      return { bytes: got.bytes, source: got.fromCache ? 'cache' : 'download' };
    },
  };
}
