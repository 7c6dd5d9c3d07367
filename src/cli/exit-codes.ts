import { isLinkFailure, type UpyflashError } from '../errors.js';

/**
 * Documented process exit codes (docs/errors.md, generated from this table and errors.ts). Scripts can tell a refused image from a board
 * that did not answer without parsing text. Derived from the error code's family (E0x.).
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  CONNECTION: 3,
  IMAGE_REFUSED: 4,
  WRITE_OR_VERIFY: 5,
  FIRMWARE_DOWNLOAD: 6,
  MICROPYTHON: 7,
  /** Written and verified, but the boot check could not run (E068): the firmware is there. */
  BOOT_NOT_CHECKED: 8,
  /** A library install or Wi-Fi step failed (E07x). */
  LIBRARIES_WIFI: 9,
} as const;

export function exitCodeFor(e: UpyflashError): number {
  if (e.kind === 'BAD_ARGUMENT') return EXIT.USAGE;
  if (e.kind === 'BOOT_NOT_CHECKED') return EXIT.BOOT_NOT_CHECKED;
  if (isLinkFailure(e)) return EXIT.CONNECTION;
  const family = e.code.slice(0, 3);
  switch (family) {
    case 'E03':
      return EXIT.IMAGE_REFUSED;
    case 'E04':
      return EXIT.WRITE_OR_VERIFY;
    case 'E05':
      return EXIT.FIRMWARE_DOWNLOAD;
    case 'E06':
      return EXIT.MICROPYTHON;
    case 'E07':
      return EXIT.LIBRARIES_WIFI;
    default:
      return EXIT.FAILURE;
  }
}
