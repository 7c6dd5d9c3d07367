/**
 * Recognising an upload of the stub image a client hands the board (src/stub/node reads it from
 * esptool-js on Node, the web page bundles it): RAM holds its text and data segments at their
 * addresses and the entry matches. The digest table (stub-digests.ts) recognises the known stubs of
 * other clients; this check keeps a bundled image working whatever its version.
 */
import type { StubImage } from '../../stub/stub-image.js';

/** What MEM_BEGIN/MEM_DATA put in RAM: one contiguous segment per MEM_BEGIN. */
export interface RamSegment {
  address: number;
  bytes: Uint8Array;
  /** Bytes actually received (MEM_DATA), from the segment start. */
  filled: number;
}

/** True when RAM holds the stub's segments in full and `entry` is its entry point. */
export function isStubUpload(image: StubImage, segments: readonly RamSegment[], entry: number): boolean {
  if (entry >>> 0 !== image.entry >>> 0) return false;
  return holds(segments, image.textStart, image.text) && holds(segments, image.dataStart, image.data);
}

function holds(segments: readonly RamSegment[], address: number, expected: Uint8Array): boolean {
  if (expected.length === 0) return true;
  return segments.some((s) => {
    const at = address - s.address;
    if (at < 0 || at + expected.length > s.filled) return false;
    for (let i = 0; i < expected.length; i++) if (s.bytes[at + i] !== expected[i]) return false;
    return true;
  });
}
