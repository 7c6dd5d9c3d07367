/**
 * One compression per region for many boards: every board's session gets the same Deflate, which
 * remembers what it compressed by the bytes' identity (buffer, offset, length). Boards that share one
 * PreparedFirmware hand the writer subarrays of the same part buffers, so the second board's region is
 * a hit and costs nothing; a board whose regions differ (another changed range) compresses its own.
 * Browser-safe.
 */
import type { Deflate } from '../platform/deflate.js';

export interface SharedDeflate {
  readonly deflate: Deflate;
  /** Compressions actually run (misses), for tests and the bench. */
  readonly runs: () => number;
}

export function sharedDeflate(inner: Deflate): SharedDeflate {
  const byBuffer = new WeakMap<ArrayBufferLike, Map<string, Promise<Uint8Array>>>();
  let runs = 0;
  const deflate: Deflate = (data) => {
    let spans = byBuffer.get(data.buffer);
    if (!spans) byBuffer.set(data.buffer, (spans = new Map()));
    const key = `${data.byteOffset}:${data.byteLength}`;
    let packed = spans.get(key);
    if (!packed) {
      runs++;
      packed = inner(data);
      // A failed compression is not remembered: the next board tries again.
      packed.catch(() => spans!.delete(key));
      spans.set(key, packed);
    }
    return packed;
  };
  return { deflate, runs: () => runs };
}
