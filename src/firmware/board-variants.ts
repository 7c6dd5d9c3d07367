import { UpyflashError } from '../errors.js';

/**
 * Which variant of a generic board fits what the chip says about itself, and which builds a detected
 * fact rules out. Two kinds of facts decide: the flash size (read from the flash chip) and PSRAM in the
 * chip's package (from its eFuses, chips/<chip>.ts `identity`). PSRAM outside the package (a WROVER
 * module's) is invisible to both, so such a board keeps the plain build unless the user asks for SPIRAM.
 * Keyed by MicroPython board id; rules are tried in order, the first that holds wins.
 */

export type PsramKind = 'quad' | 'octal';

/** What was detected; undefined fields were not (could not be) read. */
export interface HardwareFacts {
  readonly flashBytes?: number | undefined;
  /** PSRAM in the package: null = the eFuses say none; undefined = not known. */
  readonly psram?: { readonly bytes: number; readonly type?: PsramKind | undefined } | null | undefined;
}

interface VariantRule {
  readonly variant: string;
  /** Holds when the package has PSRAM (of this kind, or any). */
  readonly psram?: PsramKind | 'any';
  /** Holds for flashes up to and including this size. */
  readonly maxFlashBytes?: number;
  /** Why, in words for the choice line. */
  readonly why: string;
}

const MB = 1024 * 1024;

/**
 * Sources: MicroPython's ports/esp32/boards/ESP32_GENERIC_S3/board.md (octal SPIRAM needs SPIRAM_OCT;
 * 4 MiB boards the FLASH_4M build), ESP32_GENERIC's SPIRAM variant (the plain ESP32 build leaves PSRAM
 * off), ports/esp8266/boards/ESP8266_GENERIC (the standard build needs 2 MiB), ESP32_GENERIC_C2's FLASH_2M.
 */
const VARIANT_RULES: Readonly<Record<string, readonly VariantRule[]>> = {
  ESP32_GENERIC: [{ variant: 'SPIRAM', psram: 'any', why: 'PSRAM in the package needs the SPIRAM build' }],
  ESP32_GENERIC_S3: [
    { variant: 'SPIRAM_OCT', psram: 'octal', why: 'octal PSRAM needs the SPIRAM_OCT build' },
    { variant: 'FLASH_4M', maxFlashBytes: 4 * MB, why: '4 MB flash needs the FLASH_4M layout' },
  ],
  ESP8266_GENERIC: [
    { variant: 'FLASH_512K', maxFlashBytes: 512 * 1024, why: 'the standard build needs 2 MB of flash' },
    { variant: 'FLASH_1M', maxFlashBytes: 1 * MB, why: 'the standard build needs 2 MB of flash' },
  ],
  ESP32_GENERIC_C2: [{ variant: 'FLASH_2M', maxFlashBytes: 2 * MB, why: 'the standard build needs 4 MB of flash' }],
};

/** What a build needs of the board; a detected fact against it is a contradiction. */
interface BuildNeeds {
  readonly psram?: PsramKind;
  readonly minFlashBytes?: number;
}

/**
 * Keyed "BOARD" (the standard build) or "BOARD/VARIANT". Sources as above, plus ESP32_GENERIC_S3's
 * sdkconfig.board (CONFIG_ESPTOOLPY_FLASHSIZE_8MB, partitions-8MiB.csv).
 */
const BUILD_NEEDS: Readonly<Record<string, BuildNeeds>> = {
  'ESP32_GENERIC_S3/SPIRAM_OCT': { psram: 'octal' },
  ESP32_GENERIC_S3: { minFlashBytes: 8 * MB },
  ESP8266_GENERIC: { minFlashBytes: 2 * MB },
  'ESP8266_GENERIC/FLASH_1M': { minFlashBytes: 1 * MB },
  ESP32_GENERIC_C2: { minFlashBytes: 4 * MB },
};

export interface VariantChoice {
  /** undefined = the board's standard build. */
  readonly variant: string | undefined;
  /** Why, in words for the report line. */
  readonly reason: string;
  /** Picked from detected facts rather than asked for or defaulted. */
  readonly automatic: boolean;
}

/** Spellings that mean "the standard build, no variant". */
const STANDARD_WORDS = new Set(['', 'standard', 'none', 'default', 'generic']);

export function parseVariant(requested: string): string | undefined {
  const v = requested.trim();
  if (STANDARD_WORDS.has(v.toLowerCase())) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(v)) throw new UpyflashError('BAD_ARGUMENT', `--variant: "${requested}" is not a variant id (like SPIRAM or FLASH_1M)`);
  return v.toUpperCase();
}

function ruleHolds(rule: VariantRule, facts: HardwareFacts): boolean {
  if (rule.psram !== undefined) {
    if (!facts.psram) return false;
    if (rule.psram !== 'any' && facts.psram.type !== rule.psram) return false;
  }
  if (rule.maxFlashBytes !== undefined && (facts.flashBytes === undefined || facts.flashBytes > rule.maxFlashBytes)) return false;
  return true;
}

/** The variant the facts call for (or the one asked for). */
export function chooseVariant(board: string, requested: string | undefined, flashBytesOrFacts: number | HardwareFacts | undefined): VariantChoice {
  if (requested !== undefined) return { variant: parseVariant(requested), reason: 'as requested', automatic: false };
  const facts: HardwareFacts = typeof flashBytesOrFacts === 'object' ? flashBytesOrFacts : { flashBytes: flashBytesOrFacts };
  const rule = (VARIANT_RULES[board] ?? []).find((r) => ruleHolds(r, facts));
  if (rule) return { variant: rule.variant, reason: rule.why, automatic: true };
  return { variant: undefined, reason: 'standard build', automatic: false };
}

/** What a detected fact says against a build, in words; undefined when nothing does. */
export function buildContradiction(board: string, variant: string | undefined, facts: HardwareFacts): string | undefined {
  const needs = BUILD_NEEDS[variant ? `${board}/${variant}` : board];
  if (!needs) return undefined;
  if (needs.psram && facts.psram !== undefined && facts.psram?.type !== needs.psram) {
    const has = facts.psram ? `${formatBytes(facts.psram.bytes)}${facts.psram.type ? ` ${facts.psram.type}` : ''} PSRAM` : 'no PSRAM in its package';
    return `the ${describeBuild(board, variant)} build needs ${needs.psram} PSRAM; this chip has ${has}`;
  }
  if (needs.minFlashBytes !== undefined && facts.flashBytes !== undefined && facts.flashBytes < needs.minFlashBytes) {
    return `the ${describeBuild(board, variant)} build is laid out for ${formatBytes(needs.minFlashBytes)} of flash; this board has ${formatBytes(facts.flashBytes)}`;
  }
  return undefined;
}

export function describeBuild(board: string, variant: string | undefined): string {
  return variant ? `${board} ${variant}` : board;
}

export function formatBytes(n: number): string {
  return n >= MB ? `${n / MB} MB` : `${n / 1024} KB`;
}
