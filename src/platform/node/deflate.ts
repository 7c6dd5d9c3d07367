import { deflate as zlibDeflate } from 'node:zlib';
import type { Deflate } from '../deflate.js';

/** Node adapter: zlib at an explicit level (esptool uses 9); memLevel 9 (the most state) gives the smallest streams at no cost in time. */
export function nodeDeflate(level = 9): Deflate {
  return (data) =>
    new Promise((resolve, reject) =>
      zlibDeflate(data, { level, memLevel: 9 }, (err, out) => (err ? reject(err) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)))),
    );
}
