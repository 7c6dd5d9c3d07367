import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `bytes` to a temporary file beside `target` and renames it into place, creating the folder:
 * a crash or a parallel run never leaves a half-written file under the real name. Failures are the
 * file system's own errors (callers word them for their folder).
 */
export async function writeFileAtomic(target: string, bytes: Uint8Array): Promise<void> {
  const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temp, bytes);
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}
