/** Little-endian field access and byte searching shared by the image parsers and builders. */

export function readU16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

export function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

export function writeU16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}

export function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

export function hex(n: number, width = 0): string {
  return '0x' + (n >>> 0).toString(16).padStart(width, '0');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Latin-1 view of bytes: one char per byte, so string offsets are byte offsets. */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  const CHUNK = 0x8000;
  for (let i = start; i < end; i += CHUNK) {
    s += String.fromCharCode(...b.subarray(i, Math.min(end, i + CHUNK)));
  }
  return s;
}

export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** A NUL-padded fixed-size C string field. */
export function readCString(b: Uint8Array, at: number, max: number): string {
  let end = at;
  while (end < at + max && end < b.length && b[end] !== 0) end++;
  return latin1(b, at, end);
}

export function writeCString(b: Uint8Array, at: number, max: number, s: string): void {
  const bytes = asciiBytes(s.slice(0, max - 1));
  b.set(bytes, at);
  b.fill(0, at + bytes.length, at + max);
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}MB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(2)}MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}KB`;
  return `${n} bytes`;
}
