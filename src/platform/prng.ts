/**
 * A small seeded PRNG (mulberry32). Sample images must be byte-identical for the same seed everywhere,
 * and the virtual board's fault injection and line noise must be reproducible: a failing test rerun
 * with the same seed meets the same corrupted bytes. Browser-safe.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [0, n), from the high bits (what `next` scaled gives). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  byte(): number {
    return this.below(256);
  }

  /** Integer in [min, max], from the low bits: sample images depend on exactly this mapping. */
  int(min: number, max: number): number {
    return min + (this.nextU32() % (max - min + 1));
  }

  fill(out: Uint8Array): void {
    let i = 0;
    for (; i + 4 <= out.length; i += 4) {
      const v = this.nextU32();
      out[i] = v & 0xff;
      out[i + 1] = (v >>> 8) & 0xff;
      out[i + 2] = (v >>> 16) & 0xff;
      out[i + 3] = v >>> 24;
    }
    for (; i < out.length; i++) out[i] = this.nextU32() & 0xff;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    this.fill(out);
    return out;
  }
}
