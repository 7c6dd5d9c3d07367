import type { UpyflashError } from '../errors.js';

/**
 * Documented process exit codes (README "Exit codes"). Scripts can tell a refused image from a board
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
  LIBRARIES_WIFI: 8,
} as const;

export function exitCodeFor(e: UpyflashError): number {
  if (e.kind === 'BAD_ARGUMENT') return EXIT.USAGE;
  const family = e.code.slice(0, 3);
  switch (family) {
    case 'E00':
    case 'E01':
    case 'E02':
      return EXIT.CONNECTION;
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
