import { UpyflashError } from '../errors.js';
import type { FirmwareEntry } from './site-parser.js';
import { compareVersions, parseVersion, sameRelease, type MicroPythonVersion } from './version.js';

/** What the user asked for with --version. */
export type VersionRequest =
  | { readonly kind: 'latest' }
  | { readonly kind: 'preview' }
  | { readonly kind: 'exact'; readonly version: MicroPythonVersion; readonly text: string };

export function parseVersionRequest(text: string | undefined): VersionRequest {
  const t = (text ?? 'latest').trim().toLowerCase();
  if (t === 'latest' || t === 'stable' || t === '') return { kind: 'latest' };
  if (t === 'preview' || t === 'nightly') return { kind: 'preview' };
  const version = parseVersion(t);
  if (!version) throw new UpyflashError('BAD_ARGUMENT', `--version: "${text}" is not latest, preview or a version like 1.24.1`);
  return { kind: 'exact', version, text: t.replace(/^v/, '') };
}

export interface FirmwareWanted {
  readonly board: string;
  readonly variant: string | undefined;
  readonly version: VersionRequest;
  /** Only full images are flashed at the bootloader offset: `.bin`, never `.app-bin`, `.elf` or `.uf2`. */
  readonly ext?: string;
}

/** Newest first; among equal versions the most recent build date first. */
export function newestFirst(a: FirmwareEntry, b: FirmwareEntry): number {
  return compareVersions(b.parsedVersion, a.parsedVersion) || b.buildDate.localeCompare(a.buildDate);
}

/** All entries that match board, variant, extension and version request, best first. */
export function matchingFirmware(entries: readonly FirmwareEntry[], want: FirmwareWanted): FirmwareEntry[] {
  const ext = want.ext ?? 'bin';
  const candidates = entries.filter((e) => e.board === want.board && e.variant === want.variant && e.ext === ext);
  const v = want.version;
  const chosen =
    v.kind === 'latest'
      ? candidates.filter((e) => !e.preview)
      : v.kind === 'preview'
        ? candidates.filter((e) => e.preview)
        : candidates.filter((e) => sameRelease(e.parsedVersion, v.version) || e.version.toLowerCase() === v.text);
  return chosen.sort(newestFirst);
}

export function selectFirmware(entries: readonly FirmwareEntry[], want: FirmwareWanted, where: string): FirmwareEntry {
  const best = matchingFirmware(entries, want)[0];
  if (best) return best;
  throw new UpyflashError('FIRMWARE_NOT_FOUND', `no ${describeWanted(want)} on ${where}${describeAvailable(entries, want)}`, {
    details: { board: want.board, variant: want.variant ?? null, where },
  });
}

export function describeWanted(want: FirmwareWanted): string {
  const v = want.version;
  const version = v.kind === 'exact' ? `v${v.text}` : v.kind === 'preview' ? 'preview build' : 'release';
  return `${version} .${want.ext ?? 'bin'} for ${want.board}${want.variant ? ` variant ${want.variant}` : ' (standard build)'}`;
}

function describeAvailable(entries: readonly FirmwareEntry[], want: FirmwareWanted): string {
  const forBoard = entries.filter((e) => e.board === want.board && e.ext === (want.ext ?? 'bin'));
  if (forBoard.length === 0) return '';
  const variants = [...new Set(forBoard.map((e) => e.variant ?? 'standard'))];
  const versions = [...new Set(forBoard.filter((e) => e.variant === want.variant).sort(newestFirst).map((e) => e.version))].slice(0, 6);
  return `; variants there: ${variants.join(', ')}` + (versions.length > 0 ? `; versions of this variant: ${versions.join(', ')}` : '');
}
