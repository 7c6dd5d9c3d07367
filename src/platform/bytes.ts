/** Byte-array helpers every layer shares (codecs, REPL, virtual board). Browser-safe. */

/**
 * Joins byte chunks into one array. A single chunk comes back as it is, without a copy: every caller
 * owns the chunks it passes (received data, freshly built requests), so sharing them is safe and the
 * common one-chunk case costs nothing.
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Latin-1 view of bytes: one char per byte, so string offsets are byte offsets. */
export function latin1String(b: Uint8Array, start = 0, end = b.length): string {
  // Widened to UTF-16 code units, each byte is exactly one char (0..255 holds no surrogates). One
  // decoder call is ~100x faster than String.fromCharCode over spread chunks on a 1.7 MB image, and
  // 'latin1' itself cannot be used: TextDecoder maps it to windows-1252, which remaps 0x80-0x9F.
  const wide = new Uint16Array(Math.max(0, end - start));
  wide.set(b.subarray(start, end));
  return UTF16.decode(wide);
}

const UTF16 = new TextDecoder('utf-16le');

/** One byte per char (the low 8 bits): the inverse of latin1String. */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Little-endian fields, as every Espressif structure (images, loader packets, partition tables) stores them. */
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
