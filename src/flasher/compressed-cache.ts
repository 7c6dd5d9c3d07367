/**
 * Compressed regions kept with a prepared firmware: each region is deflated once per image, however
 * many boards (a classroom sharing one PreparedFirmware) or reflashes write it, and the first one is
 * started as soon as the firmware is prepared so it runs while the stub goes up (Node's zlib and the
 * browser's CompressionStream both work off the main thread).
 */
import type { Deflate } from '../platform/deflate.js';

export class CompressedRegions {
  /** Keyed by the bytes' buffer, then "offset+length" inside it: slices of one part share entries. */
  private readonly byBuffer = new WeakMap<ArrayBufferLike, Map<string, Promise<Uint8Array>>>();
  hits = 0;
  misses = 0;

  /** The zlib stream of `bytes`, computed at most once. */
  deflate(bytes: Uint8Array, deflate: Deflate): Promise<Uint8Array> {
    let map = this.byBuffer.get(bytes.buffer);
    if (!map) this.byBuffer.set(bytes.buffer, (map = new Map()));
    const key = `${bytes.byteOffset}+${bytes.length}`;
    const known = map.get(key);
    if (known) {
      this.hits++;
      return known;
    }
    this.misses++;
    const p = deflate(bytes);
    // A failed compression is not kept: the next write tries again.
    p.catch(() => map!.delete(key));
    map.set(key, p);
    return p;
  }

  /** A Deflate that goes through this cache. */
  using(deflate: Deflate): Deflate {
    return (bytes) => this.deflate(bytes, deflate);
  }
}
