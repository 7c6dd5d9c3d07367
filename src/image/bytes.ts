/** Hex, sizes and C strings shared by the image parsers and builders (little-endian fields: platform/bytes). */
import { latin1Bytes, latin1String } from '../platform/bytes.js';

export function hex(n: number, width = 0): string {
  return '0x' + (n >>> 0).toString(16).padStart(width, '0');
}

/** A NUL-padded fixed-size C string field. */
export function readCString(b: Uint8Array, at: number, max: number): string {
  let end = at;
  while (end < at + max && end < b.length && b[end] !== 0) end++;
  return latin1String(b, at, end);
}

export function writeCString(b: Uint8Array, at: number, max: number, s: string): void {
  const bytes = latin1Bytes(s.slice(0, max - 1));
  b.set(bytes, at);
  b.fill(0, at + bytes.length, at + max);
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}MB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(2)}MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}KB`;
  return `${n} bytes`;
}
