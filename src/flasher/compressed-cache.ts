/**
 * Compressed regions kept with a prepared firmware: each region is deflated once per image, however
 * many boards (a classroom sharing one PreparedFirmware) or reflashes write it, and the first one is
 * started as soon as the firmware is prepared so it runs while the stub goes up (Node's zlib and the
 * browser's CompressionStream both work off the main thread). With a store (Node: the cache folder,
 * flasher/node/deflate-store.ts) the streams outlive the process, so the next job on the same image
 * does not compress again, and a smaller stream made ahead of time (zopfli, by `firmware download`) is
 * the one that goes on the wire.
 */
import type { Deflate } from '../platform/deflate.js';

/** Where compressed streams outlive a job; keyed by the bytes they inflate to. */
export interface CompressedStore {
  /** A stream that inflates to exactly `bytes`, or undefined. */
  load(bytes: Uint8Array): Promise<Uint8Array | undefined>;
  /** Keeps `stream` for `bytes` unless a smaller one is kept already. */
  save(bytes: Uint8Array, stream: Uint8Array): Promise<void>;
}

export class CompressedRegions {
  /** Keyed by the bytes' buffer, then "offset+length" inside it: slices of one part share entries. */
  private readonly byBuffer = new WeakMap<ArrayBufferLike, Map<string, Promise<Uint8Array>>>();
  hits = 0;
  misses = 0;
  /** Streams that came from the store rather than being compressed in this process. */
  stored = 0;

  constructor(private readonly store?: CompressedStore) {}

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
    const p = this.loadOrCompress(bytes, deflate);
    // A failed compression is not kept: the next write tries again.
    p.catch(() => map!.delete(key));
    map.set(key, p);
    return p;
  }

  /** A Deflate that goes through this cache. */
  using(deflate: Deflate): Deflate {
    return (bytes) => this.deflate(bytes, deflate);
  }

  private async loadOrCompress(bytes: Uint8Array, deflate: Deflate): Promise<Uint8Array> {
    // A store that cannot be read is only a missed head start.
    const kept = this.store ? await this.store.load(bytes).catch(() => undefined) : undefined;
    if (kept) {
      this.stored++;
      return kept;
    }
    const stream = await deflate(bytes);
    void this.store?.save(bytes, stream).catch(() => undefined);
    return stream;
  }
}
