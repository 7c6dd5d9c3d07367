import { UpyflashError } from '../errors.js';

/**
 * Which variant of a generic board fits facts the flasher can detect. Only the flash size decides
 * anything here: the ROM cannot see PSRAM, so an ESP32 with PSRAM stays on the plain build (which runs
 * there too) unless the user asks for SPIRAM. Keyed by MicroPython board id; a board missing here has
 * no size-specific builds.
 */
interface FlashSizeRule {
  /** The variant fits flashes up to and including this size. */
  readonly maxFlashBytes: number;
  readonly variant: string;
}

const FLASH_SIZE_VARIANTS: Readonly<Record<string, readonly FlashSizeRule[]>> = {
  // ESP8266_GENERIC's standard build needs 2 MiB or more.
  ESP8266_GENERIC: [
    { maxFlashBytes: 512 * 1024, variant: 'FLASH_512K' },
    { maxFlashBytes: 1024 * 1024, variant: 'FLASH_1M' },
  ],
  ESP32_GENERIC_C2: [{ maxFlashBytes: 2 * 1024 * 1024, variant: 'FLASH_2M' }],
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

export function chooseVariant(board: string, requested: string | undefined, flashBytes: number | undefined): VariantChoice {
  if (requested !== undefined) {
    const v = requested.trim();
    if (STANDARD_WORDS.has(v.toLowerCase())) return { variant: undefined, reason: 'as requested', automatic: false };
    if (!/^[A-Za-z0-9_-]+$/.test(v)) throw new UpyflashError('BAD_ARGUMENT', `--variant: "${requested}" is not a variant id (like SPIRAM or FLASH_1M)`);
    return { variant: v.toUpperCase(), reason: 'as requested', automatic: false };
  }
  if (flashBytes !== undefined) {
    const rule = (FLASH_SIZE_VARIANTS[board] ?? []).find((r) => flashBytes <= r.maxFlashBytes);
    if (rule) return { variant: rule.variant, reason: `detected flash is ${formatBytes(flashBytes)}`, automatic: true };
  }
  return { variant: undefined, reason: 'standard build', automatic: false };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MB` : `${n / 1024} KB`;
}
