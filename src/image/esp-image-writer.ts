/**
 * Writes an ESP image from segments, the way esptool's elf2image lays one out (bin_image.py `save`):
 * header, extended header, segments in the order given, zero padding to one byte short of a 16-byte
 * boundary, checksum byte, SHA-256 when hash_appended. Placing flash-mapped segments at MMU-aligned
 * offsets is the caller's job (see sample.ts).
 */
import { UpyflashError } from '../errors.js';
import { sha256 } from '../platform/hash.js';
import { writeU16, writeU32 } from '../platform/bytes.js';
import {
  CHECKSUM_SEED,
  IMAGE_HEADER_LEN,
  MAX_SEGMENTS,
  SEGMENT_HEADER_LEN,
  SHA256_LEN,
  WP_PIN_DISABLED,
  checksumPosition,
  headerLength,
  xorChecksum,
} from './esp-image.js';
import { ESP_IMAGE_MAGIC } from './sniff.js';

export interface SegmentSpec {
  loadAddress: number;
  data: Uint8Array;
}

export interface ImageSpec {
  format: 'esp32' | 'esp8266';
  flashMode: number;
  flashSizeCode: number;
  flashFreqCode: number;
  entry: number;
  /** ESP32 family only. */
  extended?: { chipId: number; minRev?: number; minRevFull?: number; maxRevFull?: number; hashAppended?: boolean; wpPin?: number };
  segments: readonly SegmentSpec[];
}

/** Image length for segments of these data lengths (header through checksum, plus the hash). */
export function imageLengthFor(format: 'esp32' | 'esp8266', dataLengths: readonly number[], hashAppended: boolean): number {
  const end = dataLengths.reduce((pos, len) => pos + SEGMENT_HEADER_LEN + len, headerLength(format));
  return checksumPosition(end) + 1 + (hashAppended ? SHA256_LEN : 0);
}

export function buildEspImage(spec: ImageSpec): Uint8Array {
  if (spec.segments.length === 0 || spec.segments.length > MAX_SEGMENTS) {
    throw new UpyflashError('INTERNAL', `An image needs 1 to ${MAX_SEGMENTS} segments, got ${spec.segments.length}.`);
  }
  for (const s of spec.segments) {
    // esptool pads every real segment to 4 bytes and refuses unaligned lengths when saving.
    if (s.data.length % 4 !== 0) throw new UpyflashError('INTERNAL', `Segment length ${s.data.length} is not a multiple of 4.`);
  }
  const hashed = spec.format === 'esp32' && (spec.extended?.hashAppended ?? true);
  const total = imageLengthFor(spec.format, spec.segments.map((s) => s.data.length), hashed);
  const out = new Uint8Array(total);
  out[0] = ESP_IMAGE_MAGIC;
  out[1] = spec.segments.length;
  out[2] = spec.flashMode;
  out[3] = ((spec.flashSizeCode & 0x0f) << 4) | (spec.flashFreqCode & 0x0f);
  writeU32(out, 4, spec.entry);
  if (spec.format === 'esp32') {
    const x = spec.extended;
    if (!x) throw new UpyflashError('INTERNAL', 'An ESP32-family image needs its extended header.');
    const at = IMAGE_HEADER_LEN;
    out[at] = x.wpPin ?? WP_PIN_DISABLED;
    writeU16(out, at + 4, x.chipId);
    out[at + 6] = x.minRev ?? 0;
    writeU16(out, at + 7, x.minRevFull ?? 0);
    writeU16(out, at + 9, x.maxRevFull ?? 0xffff);
    out[at + 15] = hashed ? 1 : 0;
  }
  let pos = headerLength(spec.format);
  let checksum = CHECKSUM_SEED;
  for (const s of spec.segments) {
    writeU32(out, pos, s.loadAddress);
    writeU32(out, pos + 4, s.data.length);
    out.set(s.data, pos + SEGMENT_HEADER_LEN);
    checksum = xorChecksum(s.data, checksum);
    pos += SEGMENT_HEADER_LEN + s.data.length;
  }
  const csPos = checksumPosition(pos);
  out[csPos] = checksum;
  if (hashed) out.set(sha256(out.subarray(0, csPos + 1)), csPos + 1);
  return out;
}
