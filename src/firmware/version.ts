/**
 * MicroPython version strings as they appear in firmware file names: `1.24.1`, `1.18` (older releases
 * dropped the patch number), and previews `1.25.0-preview.49.g0625f07ad`. Ordering follows what a user
 * means by "newer": a preview of 1.25.0 is newer than 1.24.1 but older than the 1.25.0 release.
 */

export interface MicroPythonVersion {
  /** Release numbers, patch filled with 0: [1, 18, 0]. */
  readonly numbers: readonly [number, number, number];
  /** Build number after the release for previews (`preview.49` -> 49); undefined for releases. */
  readonly previewBuild: number | undefined;
}

const VERSION_RE = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-preview(?:\.(\d+))?(?:\.g[0-9a-f]+)?)?$/i;

export function parseVersion(text: string): MicroPythonVersion | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m) return undefined;
  const preview = /-preview/i.test(text);
  return {
    numbers: [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)],
    previewBuild: preview ? Number(m[4] ?? 0) : undefined,
  };
}

/** Negative when a is older than b. */
export function compareVersions(a: MicroPythonVersion, b: MicroPythonVersion): number {
  for (let i = 0; i < 3; i++) {
    const d = a.numbers[i]! - b.numbers[i]!;
    if (d !== 0) return d;
  }
  // A preview of X precedes the release of X.
  if (a.previewBuild === undefined && b.previewBuild === undefined) return 0;
  if (a.previewBuild === undefined) return 1;
  if (b.previewBuild === undefined) return -1;
  return a.previewBuild - b.previewBuild;
}

/** `1.18` and `1.18.0` name the same release. */
export function sameRelease(a: MicroPythonVersion, b: MicroPythonVersion): boolean {
  return compareVersions(a, b) === 0;
}
