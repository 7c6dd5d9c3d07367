/**
 * Joins byte chunks into one array. A single chunk comes back as it is, without a copy: every caller
 * owns the chunks it passes (received data, freshly built requests), so sharing them is safe and the
 * common one-chunk case costs nothing. Browser-safe.
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
