import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root: the nearest folder above this file with a package.json (works from dist/ or any outDir). */
export const projectRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();

/** The CLI entry point as a new user runs it (bin/upyflash.js -> dist/src/cli/main.js). */
export const cliPath: string = join(projectRoot, 'bin', 'upyflash.js');

/** shared/traces beside the project (present on developer machines and in CI). */
export const tracesDir: string = join(projectRoot, '..', 'shared', 'traces');

/** A test option: skip, saying why, where the recordings are not beside this clone (a clone elsewhere). */
export const tracesSkip: string | false = existsSync(tracesDir) ? false : `shared/traces not found at ${tracesDir}`;
