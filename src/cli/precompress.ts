import { alignedBody } from '../flasher/parts.js';
import type { CompressedStore } from '../flasher/compressed-cache.js';
import { analyzeFirmware } from '../image/firmware-file.js';
import type { Deflate } from '../platform/deflate.js';
import { nodeDeflate } from '../platform/node/deflate.js';

export interface Precompressed {
  /** Flash address of the body that was compressed. */
  readonly offset: number;
  readonly bytes: number;
  /** zlib level 9, what a flash job would send without the stored stream. */
  readonly zlibBytes: number;
  readonly storedBytes: number;
  readonly seconds: number;
}

/**
 * Compresses a firmware's body (from its first 64 KiB block on: the app, which a flash job writes whole)
 * with the slow, small compressor and keeps the stream in the store, where the next flash job of this
 * image finds it. Undefined when the file has no such body.
 */
export async function precompressBody(image: Uint8Array, store: CompressedStore, slow: Deflate): Promise<Precompressed | undefined> {
  const address = analyzeFirmware(image).suggestedOffset;
  const body = alignedBody({ offset: address, length: image.length });
  if (!body) return undefined;
  const bytes = image.subarray(body.offset - address);
  const started = performance.now();
  const stream = await slow(bytes);
  const seconds = (performance.now() - started) / 1000;
  await store.save(bytes, stream);
  // What a flash job would send without it (its default compressor), for the comparison the user sees.
  const zlibBytes = (await nodeDeflate()(bytes)).length;
  return { offset: body.offset, bytes: bytes.length, zlibBytes, storedBytes: stream.length, seconds };
}
