import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../harness/paths.js';

/** Where `vite build` puts the page and `upyflash ui` serves it from. */
export const pageIndex = join(projectRoot, 'dist', 'web', 'index.html');

/**
 * Builds the web page when dist/web is missing, or (with `whenStale`) older than the sources it bundles,
 * so the web tests also run before `npm run build` learned to run `vite build`.
 */
export async function ensurePageBuilt(opts: { whenStale: boolean }): Promise<void> {
  if (existsSync(pageIndex) && (!opts.whenStale || statSync(pageIndex).mtimeMs >= newestFile(join(projectRoot, 'src')))) return;
  const { build } = await import('vite');
  await build({ configFile: join(projectRoot, 'vite.config.ts'), logLevel: 'error' });
}

function newestFile(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestFile(p) : statSync(p).mtimeMs);
  }
  return newest;
}
