import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir } from '../../platform/node/cache-dir.js';
import type { BaudMemory } from '../bridge-rates.js';

/**
 * `--baud auto`'s memory on disk: baud-rates.json in the user's cache folder, one entry per bridge,
 * e.g. {"ch340": {"baud": 460800, "at": "2026-12-04T14:50:00.000Z"}}. A missing or unreadable file is
 * an empty memory: it only ever saves a failed try.
 */
export async function loadBaudMemory(dir: string = defaultCacheDir()): Promise<BaudMemory> {
  const file = join(dir, 'baud-rates.json');
  let entries: Record<string, { baud: number; at: string }> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (parsed && typeof parsed === 'object') entries = parsed as typeof entries;
  } catch {
    // No memory yet (or a damaged one): start afresh.
  }
  return {
    recall(key) {
      const b = entries[key]?.baud;
      return typeof b === 'number' && Number.isInteger(b) ? b : undefined;
    },
    async remember(key, baud) {
      if (entries[key]?.baud === baud) return;
      entries = { ...entries, [key]: { baud, at: new Date().toISOString() } };
      try {
        await mkdir(dir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(entries, null, 2) + '\n');
        await rename(tmp, file);
      } catch {
        // A read-only cache folder costs only the head start next time.
      }
    },
  };
}
