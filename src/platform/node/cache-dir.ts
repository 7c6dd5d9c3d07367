import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/**
 * The user's cache folder for upyflash, where each platform expects caches to live, so that disk
 * cleaners and backups treat it right. `UPYFLASH_CACHE_DIR` overrides (tests, CI, shared caches).
 */
export function defaultCacheDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const override = env['UPYFLASH_CACHE_DIR'];
  if (override) return override;
  if (platform === 'win32') {
    const local = env['LOCALAPPDATA'] || win32.join(home, 'AppData', 'Local');
    return win32.join(local, 'upyflash', 'Cache');
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', 'upyflash');
  // XDG says relative values are invalid and must be ignored.
  const xdg = env['XDG_CACHE_HOME'];
  return xdg && xdg.startsWith('/') ? posix.join(xdg, 'upyflash') : posix.join(home, '.cache', 'upyflash');
}
