import { parseVersion, type MicroPythonVersion } from './version.js';

/**
 * What a firmware file name on micropython.org says about the file. Two naming schemes exist:
 * - since v1.21: `<BOARD>[-<VARIANT>]-<YYYYMMDD>-v<X.Y.Z>[-preview.<N>.g<hash>].<ext>`
 * - before: per port, `esp32-20220117-v1.18.bin`, `esp32spiram-idf3-...`, `esp8266-1m-...`, and for
 *   the first board-based builds `GENERIC_S3-20220618-v1.19.1.bin`; nightlies of that era read
 *   `esp32-20220209-unstable-v1.18-113-g<hash>.bin`.
 * Legacy names are mapped onto today's board and variant ids so that one selection covers both.
 */
export interface ParsedFirmwareName {
  readonly fileName: string;
  /** Today's board id (legacy names mapped: `esp32` -> ESP32_GENERIC). */
  readonly board: string;
  /** Variant id (`SPIRAM`, `FLASH_1M`); legacy-only variants keep their old meaning (`IDF3`). */
  readonly variant: string | undefined;
  /** YYYYMMDD as in the name. */
  readonly buildDate: string;
  /** Version as written, without the leading v: `1.24.1`, `1.25.0-preview.49.g0625f07ad`. */
  readonly version: string;
  readonly parsedVersion: MicroPythonVersion;
  readonly preview: boolean;
  /** Extension after the last dot-group that is not part of the version: `bin`, `app-bin`, `elf`, `uf2`. */
  readonly ext: string;
  /** True for pre-v1.21 names. */
  readonly legacy: boolean;
}

/** Old per-port prefixes (and the first board-based names) and the board + variant they mean today. */
const LEGACY_PREFIXES: Readonly<Record<string, { board: string; variant?: string }>> = {
  esp32: { board: 'ESP32_GENERIC' },
  esp32spiram: { board: 'ESP32_GENERIC', variant: 'SPIRAM' },
  esp32s2: { board: 'ESP32_GENERIC_S2' },
  esp32s3: { board: 'ESP32_GENERIC_S3' },
  esp32c3: { board: 'ESP32_GENERIC_C3' },
  esp8266: { board: 'ESP8266_GENERIC' },
  GENERIC: { board: 'ESP32_GENERIC' },
  GENERIC_SPIRAM: { board: 'ESP32_GENERIC', variant: 'SPIRAM' },
  GENERIC_D2WD: { board: 'ESP32_GENERIC', variant: 'D2WD' },
  GENERIC_UNICORE: { board: 'ESP32_GENERIC', variant: 'UNICORE' },
  GENERIC_OTA: { board: 'ESP32_GENERIC', variant: 'OTA' },
  GENERIC_S2: { board: 'ESP32_GENERIC_S2' },
  GENERIC_S3: { board: 'ESP32_GENERIC_S3' },
  GENERIC_S3_SPIRAM: { board: 'ESP32_GENERIC_S3', variant: 'SPIRAM' },
  GENERIC_S3_SPIRAM_OCT: { board: 'ESP32_GENERIC_S3', variant: 'SPIRAM_OCT' },
  GENERIC_C3: { board: 'ESP32_GENERIC_C3' },
  GENERIC_C3_USB: { board: 'ESP32_GENERIC_C3', variant: 'USB' },
};

/** Lower-case variant tags of the per-port names (`esp8266-1m-...`) in today's spelling. */
const LEGACY_TAGS: Readonly<Record<string, string>> = {
  '1m': 'FLASH_1M',
  '512k': 'FLASH_512K',
  '2m': 'FLASH_2M',
  spiram: 'SPIRAM',
  idf3: 'IDF3',
  idf4: 'IDF4',
  ota: 'OTA',
  d2wd: 'D2WD',
  unicore: 'UNICORE',
  usb: 'USB',
};

// prefix, date, version (with optional preview/unstable tail), extension.
const NAME_RE =
  /^(?<prefix>[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*?)-(?<date>\d{8})-(?<unstable>unstable-)?v(?<version>\d+\.\d+(?:\.\d+)?(?:-preview\.\d+\.g[0-9a-f]+|-preview\.\d+|-\d+-g[0-9a-f]+)?)\.(?<ext>[A-Za-z0-9-]+)$/;

/** Returns undefined for names that follow neither scheme (they are not offered for flashing). */
export function parseFirmwareFileName(fileName: string): ParsedFirmwareName | undefined {
  const m = NAME_RE.exec(fileName);
  if (!m?.groups) return undefined;
  const { prefix, date, unstable, ext } = m.groups as Record<string, string>;
  const version = m.groups['version']!;
  // `unstable-v1.18-113-gHASH` (pre-1.21 nightly) means "113 commits after 1.18": a preview of the next release.
  const unstableTail = /^(\d+\.\d+(?:\.\d+)?)-(\d+)-g([0-9a-f]+)$/.exec(version);
  let parsedVersion = parseVersion(version);
  if (unstableTail) {
    const base = parseVersion(unstableTail[1]!)!;
    // N commits after release X.Y.Z sorts after X.Y.Z and before the next release: model it as a
    // preview of X.Y.(Z+1), which is what it became.
    parsedVersion = { numbers: [base.numbers[0], base.numbers[1], base.numbers[2] + 1], previewBuild: Number(unstableTail[2]) };
  }
  if (!parsedVersion || !isPlausibleDate(date!)) return undefined;
  const mapped = mapPrefix(prefix!);
  return {
    fileName,
    board: mapped.board,
    variant: mapped.variant,
    buildDate: date!,
    version,
    parsedVersion,
    preview: parsedVersion.previewBuild !== undefined || unstable !== undefined,
    ext: ext!.toLowerCase(),
    legacy: mapped.legacy,
  };
}

function mapPrefix(prefix: string): { board: string; variant: string | undefined; legacy: boolean } {
  const parts = prefix.split('-');
  const head = parts[0]!;
  const rest = parts.slice(1);
  const legacy = LEGACY_PREFIXES[head];
  if (legacy) {
    const tags = [...(legacy.variant ? [legacy.variant] : []), ...rest.map((t) => LEGACY_TAGS[t.toLowerCase()] ?? t.toUpperCase())];
    return { board: legacy.board, variant: tags.length > 0 ? tags.join('-') : undefined, legacy: true };
  }
  return { board: head, variant: rest.length > 0 ? rest.join('-') : undefined, legacy: false };
}

function isPlausibleDate(d: string): boolean {
  const year = Number(d.slice(0, 4));
  const month = Number(d.slice(4, 6));
  const day = Number(d.slice(6, 8));
  return year >= 2014 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** `20251209` -> `2025-12-09` (MicroPython's banner spelling). */
export function formatBuildDate(yyyymmdd: string): string {
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

/** Inverse of parsing for today's scheme; used by the release fallback table. */
export function firmwareFileName(board: string, variant: string | undefined, buildDate: string, version: string, ext = 'bin'): string {
  return `${board}${variant ? `-${variant}` : ''}-${buildDate}-v${version}.${ext}`;
}
