/**
 * One ESP image as the ROM (or the second-stage bootloader) reads it: 8-byte header, on the ESP32
 * family a 16-byte extended header, segments (`u32 load address, u32 length, data`), zero padding up
 * to one byte short of a 16-byte boundary, the checksum byte (0xEF XOR every byte of segment data,
 * headers excluded) and, when the extended header says so, a SHA-256 of everything before it.
 * Facts: esptool docs/en/advanced-topics/firmware-image-format.rst and esptool/bin_image.py.
 */
import { UpyflashError } from '../errors.js';
import { sha256 } from '../platform/hash.js';
import { bytesEqual, readU16, readU32 } from '../platform/bytes.js';
import { hex } from './bytes.js';
import { ESP_IMAGE_MAGIC } from './sniff.js';

export interface ImageSegment {
  loadAddress: number;
  /** Of the data (after the 8-byte segment header) within the image. */
  offset: number;
  length: number;
}

export interface ExtendedHeader {
  wpPin: number;
  chipId: number;
  minRev: number;
  minRevFull: number;
  maxRevFull: number;
  hashAppended: boolean;
}

export interface EspImage {
  format: 'esp32' | 'esp8266';
  segmentCount: number;
  flashMode: number;
  flashSizeCode: number;
  flashFreqCode: number;
  entry: number;
  extended?: ExtendedHeader;
  segments: ImageSegment[];
  checksum: { stored: number; computed: number; valid: boolean };
  sha256?: { stored: Uint8Array; computed: Uint8Array; valid: boolean };
  /** Bytes including checksum and hash. */
  length: number;
}

export const IMAGE_HEADER_LEN = 8;
export const EXTENDED_HEADER_LEN = 16;
export const SEGMENT_HEADER_LEN = 8;
export const SHA256_LEN = 32;
export const CHECKSUM_SEED = 0xef;
/** esptool refuses more (bin_image.py `verify`); the ROM reads at most this many. */
export const MAX_SEGMENTS = 16;
/** esptool refuses segments of 16 MiB or more. */
const MAX_SEGMENT_LEN = 0x1000000;
/** The ESP32 extended header's WP-pin value meaning "not remapped" (what esptool writes). */
export const WP_PIN_DISABLED = 0xee;

export function headerLength(format: 'esp32' | 'esp8266'): number {
  return IMAGE_HEADER_LEN + (format === 'esp32' ? EXTENDED_HEADER_LEN : 0);
}

/** Checksum position: padding brings the image to one byte short of a 16-byte multiple. */
export function checksumPosition(endOfSegments: number): number {
  return endOfSegments + (15 - (endOfSegments % 16));
}

export function xorChecksum(data: Uint8Array, seed: number = CHECKSUM_SEED): number {
  let c = seed;
  for (let i = 0; i < data.length; i++) c ^= data[i]!;
  return c;
}

function truncated(what: string, expected: number, got: number, atLeast: boolean): UpyflashError {
  return new UpyflashError(
    'TRUNCATED_IMAGE',
    `The image is truncated: ${what}; expected ${atLeast ? 'at least ' : ''}${expected} bytes, got ${got}.`,
    { details: { expectedBytes: expected, actualBytes: got, exact: !atLeast } },
  );
}

function notAnImage(message: string, details: Record<string, unknown> = {}): UpyflashError {
  return new UpyflashError('NOT_AN_IMAGE', message, { details });
}

/**
 * Parses the image at the start of `bytes` (trailing bytes, such as the rest of a merged file, are
 * ignored). Checksum and SHA-256 mismatches are reported in the result, not thrown: the caller decides.
 */
export function parseEspImage(bytes: Uint8Array, format: 'esp32' | 'esp8266'): EspImage {
  if (bytes.length === 0) throw notAnImage('The file is empty: there is no image in it.');
  if (bytes[0] !== ESP_IMAGE_MAGIC) {
    throw notAnImage(`Not an ESP image: the first byte is ${hex(bytes[0]!, 2)}, an image starts with 0xe9.`, {
      firstByte: bytes[0],
    });
  }
  const hdrLen = headerLength(format);
  if (bytes.length < hdrLen) throw truncated('the image header is cut off', hdrLen, bytes.length, true);

  const segmentCount = bytes[1]!;
  if (segmentCount === 0 || segmentCount > MAX_SEGMENTS) {
    throw notAnImage(
      `Not a valid ${format === 'esp32' ? 'ESP32-family' : 'ESP8266'} image: the header declares ${segmentCount} segments (1 to ${MAX_SEGMENTS} allowed).`,
      { segmentCount },
    );
  }

  let extended: ExtendedHeader | undefined;
  if (format === 'esp32') {
    const hashFlag = bytes[IMAGE_HEADER_LEN + 15]!;
    if (hashFlag > 1) {
      throw notAnImage(
        `Not a valid ESP32-family image: the extended header's hash-appended flag is ${hex(hashFlag, 2)} (must be 0 or 1).`,
        { hashFlag },
      );
    }
    extended = {
      wpPin: bytes[IMAGE_HEADER_LEN]!,
      chipId: readU16(bytes, IMAGE_HEADER_LEN + 4),
      minRev: bytes[IMAGE_HEADER_LEN + 6]!,
      minRevFull: readU16(bytes, IMAGE_HEADER_LEN + 7),
      maxRevFull: readU16(bytes, IMAGE_HEADER_LEN + 9),
      hashAppended: hashFlag === 1,
    };
  }

  const segments: ImageSegment[] = [];
  let checksum = CHECKSUM_SEED;
  let pos = hdrLen;
  for (let i = 0; i < segmentCount; i++) {
    if (pos + SEGMENT_HEADER_LEN > bytes.length) {
      throw truncated(`segment ${i} of ${segmentCount} has no header`, pos + SEGMENT_HEADER_LEN, bytes.length, true);
    }
    const loadAddress = readU32(bytes, pos);
    const length = readU32(bytes, pos + 4);
    if (length >= MAX_SEGMENT_LEN) {
      throw notAnImage(`Not a valid ESP image: segment ${i} claims ${length} bytes (over 16 MiB).`, { segment: i, length });
    }
    const offset = pos + SEGMENT_HEADER_LEN;
    if (offset + length > bytes.length) {
      // Past the last segment the layout is fixed, so the full length is known exactly.
      const last = i === segmentCount - 1;
      const expected = last
        ? checksumPosition(offset + length) + 1 + (extended?.hashAppended ? SHA256_LEN : 0)
        : offset + length;
      throw truncated(
        `segment ${i} (load address ${hex(loadAddress, 8)}, ${length} bytes) runs past the end`,
        expected,
        bytes.length,
        !last,
      );
    }
    checksum = xorChecksum(bytes.subarray(offset, offset + length), checksum);
    segments.push({ loadAddress, offset, length });
    pos = offset + length;
  }

  const csPos = checksumPosition(pos);
  const dataLength = csPos + 1;
  const hashed = extended?.hashAppended === true;
  const total = dataLength + (hashed ? SHA256_LEN : 0);
  if (bytes.length < total) {
    throw truncated(hashed && bytes.length >= dataLength ? 'the appended SHA-256 is cut off' : 'the checksum is missing', total, bytes.length, false);
  }
  const storedChecksum = bytes[csPos]!;
  const image: EspImage = {
    format,
    segmentCount,
    flashMode: bytes[2]!,
    flashSizeCode: bytes[3]! >> 4,
    flashFreqCode: bytes[3]! & 0x0f,
    entry: readU32(bytes, 4),
    segments,
    checksum: { stored: storedChecksum, computed: checksum, valid: storedChecksum === checksum },
    length: total,
  };
  if (extended) image.extended = extended;
  if (hashed) {
    const stored = bytes.slice(dataLength, dataLength + SHA256_LEN);
    const computed = sha256(bytes.subarray(0, dataLength));
    image.sha256 = { stored, computed, valid: bytesEqual(stored, computed) };
  }
  return image;
}

/** Bytes covered by the appended SHA-256 (header through checksum byte). */
export function hashedLength(image: EspImage): number {
  return image.length - (image.sha256 ? SHA256_LEN : 0);
}

/** The data of one segment. */
export function segmentData(imageBytes: Uint8Array, seg: ImageSegment): Uint8Array {
  return imageBytes.subarray(seg.offset, seg.offset + seg.length);
}

/** True when checksum and (if present) SHA-256 both match. */
export function imageIntact(image: EspImage): boolean {
  return image.checksum.valid && (image.sha256 === undefined || image.sha256.valid);
}
