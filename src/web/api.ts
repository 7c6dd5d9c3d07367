/**
 * The small HTTP API between the page and `upyflash ui`'s local server. micropython.org sends no CORS
 * headers, so the page cannot fetch firmware itself; the local server does it (with the same cache as
 * the CLI) and hands the page JSON and bytes. Shared by both sides so the shapes cannot drift.
 */

export const API_PREFIX = '/api';

export const ROUTES = {
  /** GET -> HealthReply. The page calls it to learn whether a local server (and so the catalog) is there. */
  health: `${API_PREFIX}/health`,
  /** GET ?chip=<id>[&board=<board id>] -> FirmwareListReply: the firmware published for that board (default: the chip's generic board), newest first. */
  firmwareList: `${API_PREFIX}/firmware`,
  /** GET ?chip=<id>&search=<words> -> BoardSearchReply: the chip's boards on micropython.org whose id, name or vendor hold every word. */
  boardSearch: `${API_PREFIX}/boards`,
  /** GET ?file=<file name> -> the image bytes (application/octet-stream), from the cache or downloaded. */
  firmwareFile: `${API_PREFIX}/firmware/file`,
  /** GET <prefix><index path> -> the package index's file (index.json, package/..., file/...), through the CLI's cache. */
  mip: `${API_PREFIX}/mip/`,
} as const;

/** The index paths the server fetches for the page (the micropython-lib layout, nothing else). */
export const MIP_PATH_PATTERN = /^(index\.json|package\/[A-Za-z0-9_]{1,8}\/[A-Za-z0-9_.-]{1,80}\/[A-Za-z0-9_.+-]{1,40}\.json|file\/[0-9a-f]{2}\/[0-9a-f]{4,64})$/;

export interface HealthReply {
  readonly ok: true;
  readonly name: 'upyflash';
  readonly version: string;
  /** False when the server has no catalog (e.g. started without network access to firmware). */
  readonly catalog: boolean;
}

/** One downloadable image as the page lists it. */
export interface FirmwareChoice {
  /** File name on micropython.org, e.g. ESP32_GENERIC-20251209-v1.27.0.bin; the key for firmwareFile. */
  readonly file: string;
  readonly board: string;
  readonly variant: string | undefined;
  readonly version: string;
  /** Build date as YYYY-MM-DD when the file name carries one. */
  readonly date: string | undefined;
  readonly preview: boolean;
  /** Already in the local cache (no download needed). */
  readonly cached: boolean;
}

export interface FirmwareListReply {
  readonly ok: true;
  readonly chip: string;
  readonly board: string;
  readonly choices: readonly FirmwareChoice[];
  /** True when the list came from the cache because the site could not be reached. */
  readonly offline: boolean;
}

/** A board micropython.org lists for a chip, as the page's search shows it. */
export interface BoardChoice {
  readonly id: string;
  readonly name: string | undefined;
  readonly vendor: string | undefined;
}

export interface BoardSearchReply {
  readonly ok: true;
  readonly chip: string;
  readonly boards: readonly BoardChoice[];
}

/** Failures travel as the library's error JSON so the page shows the same code and hint as the CLI. */
export interface ErrorReply {
  readonly ok: false;
  readonly error: { readonly code: string; readonly kind: string; readonly message: string; readonly hint: string };
}

/** Response header naming where the firmware bytes came from. */
export const SOURCE_HEADER = 'x-upyflash-source';

/** Firmware file names the server agrees to fetch: micropython.org's naming, no paths. */
export const FIRMWARE_FILE_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,160}\.(bin|app-bin)$/;
