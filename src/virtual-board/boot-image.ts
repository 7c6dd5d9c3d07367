/**
 * What the ROM's flash boot reads at the bootloader offset before it jumps: the image header and the
 * segment table. Only as much as the ROM checks (magic, segment count, segments inside the flash);
 * the image/ codec does the full validation on the client side.
 */

export const IMAGE_MAGIC = 0xe9;
/** Enough for any bootloader; the ROM refuses more than this many segments. */
const MAX_SEGMENTS = 16;

export interface BootSegment {
  loadAddress: number;
  length: number;
}

export interface BootImageInfo {
  flashMode: number;
  /** Low nibble of header byte 3. */
  flashFreq: number;
  entry: number;
  segments: BootSegment[];
}

export type BootCheck = { ok: true; image: BootImageInfo } | { ok: false; firstWord: number };

interface FlashReader {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

/**
 * Where the ROM looks for the image (BoardChip has both fields). Named here rather than taken from
 * chips.ts, whose ROM messages print this file's BootImageInfo: the two would import each other.
 */
export interface BootLayout {
  readonly bootOffset: number;
  readonly bootHeaderBytes: 8 | 24;
}

export function readBootImage(chip: BootLayout, flash: FlashReader): BootCheck {
  const at = chip.bootOffset;
  const head = flash.read(at, 24);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const firstWord = view.getUint32(0, true);
  const count = head[1]!;
  if (head[0] !== IMAGE_MAGIC || count === 0 || count > MAX_SEGMENTS) return { ok: false, firstWord };
  // ESP32-family images carry a 16-byte extended header after the common 8 bytes.
  let offset = at + chip.bootHeaderBytes;
  const segments: BootSegment[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 8 > flash.size) return { ok: false, firstWord };
    const sh = flash.read(offset, 8);
    const sv = new DataView(sh.buffer, sh.byteOffset, 8);
    const seg = { loadAddress: sv.getUint32(0, true), length: sv.getUint32(4, true) };
    offset += 8 + seg.length;
    if (offset > flash.size) return { ok: false, firstWord };
    segments.push(seg);
  }
  return {
    ok: true,
    image: { flashMode: head[2]!, flashFreq: head[3]! & 0x0f, entry: view.getUint32(4, true), segments },
  };
}
