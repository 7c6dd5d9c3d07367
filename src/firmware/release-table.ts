/**
 * Releases known when this version of upyflash was written, newest first. The site's file names are
 * `<BOARD>[-<VARIANT>]-<build date>-v<version>.bin`, so version + date give the URL even when the
 * download pages cannot be read. Build dates are the release tag dates as published on micropython.org.
 */
export interface KnownRelease {
  readonly version: string;
  /** YYYYMMDD */
  readonly buildDate: string;
}

export const KNOWN_RELEASES: readonly KnownRelease[] = [
  { version: '1.27.0', buildDate: '20251209' },
  { version: '1.26.1', buildDate: '20250911' },
  { version: '1.26.0', buildDate: '20250809' },
  { version: '1.25.0', buildDate: '20250415' },
  { version: '1.24.1', buildDate: '20241129' },
  { version: '1.24.0', buildDate: '20241025' },
  { version: '1.23.0', buildDate: '20240602' },
  { version: '1.22.2', buildDate: '20240222' },
  { version: '1.22.1', buildDate: '20240105' },
];
