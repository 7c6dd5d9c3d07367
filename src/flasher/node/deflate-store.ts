import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { CompressedStore } from '../compressed-cache.js';

/**
 * Compressed regions on disk, beside the firmware cache: <dir>/deflate/<sha256 of the bytes>.zz. A
 * stream is handed out only after it inflated to exactly the bytes asked for, so a damaged or foreign
 * file costs a compression, never a wrong write; the smaller of two streams for the same bytes stays.
 */
export class FsDeflateStore implements CompressedStore {
  constructor(readonly dir: string) {}

  async load(bytes: Uint8Array): Promise<Uint8Array | undefined> {
    return this.loadFrom(this.pathFor(bytes), bytes);
  }

  async save(bytes: Uint8Array, stream: Uint8Array): Promise<void> {
    // One hash of the bytes names the file for both the look at what is kept and the write.
    const file = this.pathFor(bytes);
    const kept = await this.loadFrom(file, bytes);
    if (kept && kept.length <= stream.length) return;
    await mkdir(join(this.dir, 'deflate'), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, stream);
    await rename(tmp, file);
  }

  private async loadFrom(file: string, bytes: Uint8Array): Promise<Uint8Array | undefined> {
    let stream: Uint8Array;
    try {
      stream = new Uint8Array(await readFile(file));
    } catch {
      return undefined;
    }
    return inflatesTo(stream, bytes) ? stream : undefined;
  }

  private pathFor(bytes: Uint8Array): string {
    return join(this.dir, 'deflate', `${createHash('sha256').update(bytes).digest('hex')}.zz`);
  }
}

function inflatesTo(stream: Uint8Array, bytes: Uint8Array): boolean {
  try {
    return Buffer.from(inflateSync(stream)).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  } catch {
    return false;
  }
}
