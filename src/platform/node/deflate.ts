import { deflate as zlibDeflate } from 'node:zlib';
import type { Deflate } from '../deflate.js';

/** Node adapter: zlib at an explicit level (esptool uses 9). */
export function nodeDeflate(level = 9): Deflate {
  return (data) =>
    new Promise((resolve, reject) =>
      zlibDeflate(data, { level }, (err, out) => (err ? reject(err) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)))),
    );
}
