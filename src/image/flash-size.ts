/** Flash size names ('512KB', '4MB', '2MB-c1') and header codes, read from the chip data. */
import type { ChipSpec } from '../chips/index.js';

/** Bytes named by a size name such as '4MB', '512KB' or '2MB-c1' (the -c1 suffix is a layout variant). */
export function flashSizeNameToBytes(name: string): number | undefined {
  const m = /^(\d+)(KB|MB)(?:-c1)?$/i.exec(name.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2]!.toUpperCase() === 'MB' ? 1024 * 1024 : 1024);
}

/** The size name for a header code, if the chip knows it. */
export function flashSizeName(chip: ChipSpec, code: number): string | undefined {
  return Object.entries(chip.flashSizes).find(([, c]) => c === code)?.[0];
}

export function flashSizeBytes(chip: ChipSpec, code: number): number | undefined {
  const name = flashSizeName(chip, code);
  return name === undefined ? undefined : flashSizeNameToBytes(name);
}

export function flashFreqName(chip: ChipSpec, code: number): string | undefined {
  return Object.entries(chip.flashFrequencies).find(([, c]) => c === code)?.[0];
}

/**
 * The plain (non -c1) size name for a detected flash size; when the chip has no exact entry, the
 * largest size below it (a 32 MB part on a chip whose header tops out at 16 MB is used as 16 MB).
 */
export function flashSizeNameForBytes(chip: ChipSpec, bytes: number): string | undefined {
  let best: { name: string; size: number } | undefined;
  for (const name of Object.keys(chip.flashSizes)) {
    if (name.includes('-')) continue;
    const size = flashSizeNameToBytes(name);
    if (size === undefined || size > bytes) continue;
    if (!best || size > best.size) best = { name, size };
  }
  return best?.name;
}

export const FLASH_MODES = ['qio', 'qout', 'dio', 'dout'] as const;
export type FlashModeName = (typeof FLASH_MODES)[number];

export function flashModeName(code: number): string {
  return FLASH_MODES[code] ?? `unknown (${code})`;
}
