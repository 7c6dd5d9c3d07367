import type { ChipSpec } from '../chips/index.js';
import { UpyflashError, isUpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import { type BuildChoice, type ChipFacts, type ChoiceInput, type RunningFirmware, checkRequestedBuild, chooseBuild, choiceLine } from './build-choice.js';
import type { DownloadedFile, FirmwareCatalog } from './catalog.js';
import { firmwareFileName, formatBuildDate, parseFirmwareFileName } from './file-name.js';
import { isNotFound } from './http.js';
import { KNOWN_RELEASES } from './release-table.js';
import { describeWanted, matchingFirmware, parseVersionRequest, selectFirmware, type FirmwareWanted } from './select.js';
import type { FirmwareEntry } from './site-parser.js';
import { fileNameOfUrl, firmwareFileUrl } from './site-urls.js';
import { parseVersion, sameRelease } from './version.js';

/** What `flash` with no FILE (or `firmware download`) asks for. */
export interface FirmwareRequest {
  /** The detected (or --chip) chip: decides the generic board and is checked against the image. */
  chip?: ChipSpec;
  /** Detected flash size: picks size-specific variants (ESP8266 1 MB -> FLASH_1M). */
  flashBytes?: number;
  board?: string;
  /** 'standard' (or 'none') asks for the plain build explicitly. */
  variant?: string;
  /** What the eFuses say (model, revision, PSRAM in the package): the variant follows them. */
  facts?: ChipFacts;
  /** The MicroPython the board ran before: an update stays on its board. */
  running?: RunningFirmware;
  /** Flash a requested build even where a detected fact contradicts it. */
  force?: boolean;
  /** 'latest' | 'preview' | '1.24.1' */
  version?: string;
  baseUrl?: string;
  cacheDir?: string;
  refresh?: boolean;
}

export interface ResolvedFirmware {
  bytes: Uint8Array;
  fileName: string;
  url: string;
  board: string;
  variant?: string;
  /** As in the file name: '1.27.0', '1.28.0-preview.12.gabc1234'. */
  version: string;
  /** YYYY-MM-DD, as MicroPython's banner prints it. */
  buildDate: string;
  preview: boolean;
  fromCache: boolean;
  sha256: string;
  /** Where the choice came from: the live site, the built-in release table, or the cached listing/files (offline). */
  source: 'site' | 'fallback-table' | 'cache';
  /** Warnings from image validation (e.g. flash-size notes), for the caller to show. */
  warnings: string[];
  /** Why this build: the one line and what it rests on. */
  choice: { line: string; from: BuildChoice['from']; facts: string; reasons: readonly string[]; notes: readonly string[] };
}

/**
 * Validates downloaded bytes before they are cached or flashed. Throws UpyflashError naming the URL
 * (NOT_AN_IMAGE for an HTML page, TRUNCATED_IMAGE, WRONG_CHIP, ...); returns validation warnings.
 */
export type FirmwareCheck = (bytes: Uint8Array, ctx: { fileName: string; url: string; chip?: ChipSpec; flashBytes?: number; version?: string }) => string[];

export interface ResolveDeps {
  readonly catalog: FirmwareCatalog;
  readonly check: FirmwareCheck;
}

export async function resolveFirmwareWith(deps: ResolveDeps, req: FirmwareRequest, reporter: Reporter): Promise<ResolvedFirmware> {
  const input: ChoiceInput = { chip: req.chip, flashBytes: req.flashBytes, facts: req.facts, running: req.running, board: req.board, variant: req.variant };
  const choice = chooseBuild(input);
  const forced = checkRequestedBuild(choice, input, Boolean(req.force));
  if (forced) reporter.warn(forced);
  for (const note of choice.notes) reporter.warn(note);
  const want: FirmwareWanted = { board: choice.board, variant: choice.variant, version: parseVersionRequest(req.version) };
  reporter.phase('download', `Looking for the ${describeWanted(want)} (${choice.reasons.join('; ')})`);

  const picked = await pick(deps, want, req, reporter);
  const entry = picked.entry;
  const result: ResolvedFirmware = {
    bytes: picked.file.bytes,
    fileName: entry.fileName,
    url: picked.file.url,
    board: entry.board,
    ...(entry.variant ? { variant: entry.variant } : {}),
    version: entry.version,
    buildDate: formatBuildDate(entry.buildDate),
    preview: entry.preview,
    fromCache: picked.file.fromCache,
    sha256: picked.file.sha256,
    source: picked.source,
    warnings: picked.warnings,
    choice: {
      line: choiceLine({ ...choice, board: entry.board, variant: entry.variant }, entry.version),
      from: choice.from,
      facts: choice.facts,
      reasons: choice.reasons,
      notes: choice.notes,
    },
  };
  reporter.info(result.choice.line);
  reporter.info(
    `Firmware: MicroPython v${result.version} (built ${result.buildDate}${result.preview ? ', preview' : ''}) for ${result.board}` +
      `${result.variant ? ` variant ${result.variant}` : ' (standard build)'}, ${result.fileName}` +
      `${result.fromCache ? ' from the cache' : ''}${result.source === 'fallback-table' ? ' via the built-in release table' : ''}`,
  );
  // Validation warnings are returned, not printed: the flasher validates again against the detected
  // flash and prints its own, and `firmware download` prints these.
  return result;
}

interface Picked {
  entry: FirmwareEntry;
  file: DownloadedFile;
  source: ResolvedFirmware['source'];
  warnings: string[];
}

async function pick(deps: ResolveDeps, want: FirmwareWanted, req: FirmwareRequest, reporter: Reporter): Promise<Picked> {
  const { catalog } = deps;
  let page;
  try {
    page = await catalog.boardPage(want.board);
  } catch (e) {
    if (isUpyflashError(e, 'CATALOG_UNREADABLE')) {
      reporter.warn(`${e.message}; falling back to upyflash's table of known releases`);
      return fromReleaseTable(deps, want, req);
    }
    if (isUpyflashError(e, 'OFFLINE_NO_CACHE')) return fromCachedFiles(deps, want, req, reporter, e);
    throw e;
  }
  const where = page.source === 'cache' ? `the cached ${want.board} page` : page.value.url;
  let candidates = matchingFirmware(page.value.files, want);
  if (candidates.length === 0) selectFirmware(page.value.files, want, where); // throws with what is there
  if (page.source === 'cache' && want.version.kind !== 'exact') {
    // Offline: the newest file we actually hold beats a newer one we cannot fetch.
    const held = [];
    for (const c of candidates) if (await catalog.isCached(c.url)) held.push(c);
    if (held.length > 0 && held[0] !== candidates[0]) {
      reporter.warn(`offline: v${candidates[0]!.version} is listed but not cached; using cached v${held[0]!.version}`);
    }
    if (held.length > 0) candidates = held;
  }
  const entry = candidates[0]!;
  const { file, warnings } = await download(deps, entry, req);
  return { entry, file, warnings, source: page.source === 'cache' ? 'cache' : 'site' };
}

async function fromReleaseTable(deps: ResolveDeps, want: FirmwareWanted, req: FirmwareRequest): Promise<Picked> {
  const v = want.version;
  if (v.kind === 'preview') {
    throw new UpyflashError('CATALOG_UNREADABLE', 'preview builds can only be found on the download pages, which could not be read', {
      hint: 'Use --version latest or a release such as 1.27.0, or pass a local .bin file.',
    });
  }
  const releases = KNOWN_RELEASES.filter((r) => v.kind === 'latest' || sameRelease(parseVersion(r.version)!, v.version));
  if (releases.length === 0) {
    throw new UpyflashError('CATALOG_UNREADABLE', `the download pages could not be read and v${v.kind === 'exact' ? v.text : ''} is not in upyflash's table of known releases (${KNOWN_RELEASES.map((r) => r.version).join(', ')})`);
  }
  const tried: string[] = [];
  for (const r of releases) {
    const name = firmwareFileName(want.board, want.variant, r.buildDate, r.version);
    const url = firmwareFileUrl(deps.catalog.base, name);
    const entry: FirmwareEntry = { ...parseFirmwareFileName(name)!, url };
    try {
      const { file, warnings } = await download(deps, entry, req);
      return { entry, file, warnings, source: 'fallback-table' };
    } catch (e) {
      // Not every board or variant exists in every release: try the next older one.
      if (!isNotFound(e)) throw e;
      tried.push(name);
    }
  }
  throw new UpyflashError('FIRMWARE_NOT_FOUND', `no ${describeWanted(want)} found by the built-in release table (tried ${tried.join(', ')})`);
}

async function fromCachedFiles(deps: ResolveDeps, want: FirmwareWanted, req: FirmwareRequest, reporter: Reporter, offline: UpyflashError): Promise<Picked> {
  const origin = new URL(deps.catalog.base.url).origin;
  const entries: FirmwareEntry[] = [];
  for (const url of await deps.catalog.cachedFileUrls()) {
    if (new URL(url).origin !== origin) continue;
    const parsed = parseFirmwareFileName(fileNameOfUrl(url));
    if (parsed) entries.push({ ...parsed, url });
  }
  const entry = matchingFirmware(entries, want)[0];
  if (!entry) {
    throw new UpyflashError('OFFLINE_NO_CACHE', `${offline.message}; no cached ${describeWanted(want)} either`, { cause: offline });
  }
  reporter.warn(`offline: picked ${entry.fileName} from the cache`);
  const { file, warnings } = await download(deps, entry, req);
  return { entry, file, warnings, source: 'cache' };
}

async function download(deps: ResolveDeps, entry: FirmwareEntry, req: FirmwareRequest): Promise<{ file: DownloadedFile; warnings: string[] }> {
  let warnings: string[] = [];
  const file = await deps.catalog.download(entry.url, (bytes) => {
    warnings = deps.check(bytes, {
      fileName: entry.fileName,
      url: entry.url,
      version: entry.version,
      ...(req.chip ? { chip: req.chip } : {}),
      ...(req.flashBytes !== undefined ? { flashBytes: req.flashBytes } : {}),
    });
  });
  return { file, warnings };
}
