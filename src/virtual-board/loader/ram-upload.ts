import type { RamSegment } from './stub-image.js';

/**
 * MEM_BEGIN / MEM_DATA: code and data uploaded into the chip's RAM. Kept as segments so MEM_END can
 * tell what was uploaded; nothing executes it.
 */
export class RamUpload {
  private segments: RamSegment[] = [];
  private current: { segment: RamSegment; blockSize: number; nextSeq: number } | undefined;

  begin(size: number, blockSize: number, address: number): void {
    const segment: RamSegment = { address: address >>> 0, bytes: new Uint8Array(size), filled: 0 };
    // A new upload to the same address replaces the old one.
    this.segments = this.segments.filter((s) => s.address !== segment.address);
    this.segments.push(segment);
    this.current = { segment, blockSize, nextSeq: 0 };
  }

  /** Returns false when there is no upload in progress, the sequence is wrong or the data overflows it. */
  data(seq: number, bytes: Uint8Array): boolean {
    const c = this.current;
    if (!c || seq !== c.nextSeq) return false;
    const at = seq * c.blockSize;
    if (at + bytes.length > c.segment.bytes.length) return false;
    c.segment.bytes.set(bytes, at);
    c.segment.filled = Math.max(c.segment.filled, at + bytes.length);
    c.nextSeq++;
    return true;
  }

  /** esp-flasher-stub's MEM_DATA: the bytes go where the previous block ended, whatever its sequence. */
  append(bytes: Uint8Array): boolean {
    const c = this.current;
    if (!c) return false;
    const at = c.segment.filled;
    if (at + bytes.length > c.segment.bytes.length) return false;
    c.segment.bytes.set(bytes, at);
    c.segment.filled = at + bytes.length;
    c.nextSeq++;
    return true;
  }

  /** Bytes still expected by the current upload (the stub's MEM_END reports NOT_ENOUGH_DATA). */
  missing(): number {
    const c = this.current;
    return c ? c.segment.bytes.length - c.segment.filled : 0;
  }

  get uploaded(): readonly RamSegment[] {
    return this.segments;
  }

  clear(): void {
    this.segments = [];
    this.current = undefined;
  }
}
