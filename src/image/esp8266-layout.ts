/**
 * MicroPython's ESP8266 .bin (ports/esp8266/makeimg.py): there is no second-stage bootloader. The
 * file is the ROM-loaded image (IRAM/DRAM segments, ESP8266 format) padded with 0xFF up to 0x9000-4,
 * a u32 with the total length 0x9000 + len(irom0), the irom0 text that the chip maps from flash at
 * 0x40209000 (0x40200000 + its flash offset), and an MD5 of everything from byte 4 on (bytes 0-3,
 * the header that flashing tools patch, are left out so that patching keeps it valid).
 */
import { UpyflashError } from '../errors.js';
import { md5, toHex } from '../platform/hash.js';
import { bytesEqual, readU32, writeU32 } from '../platform/bytes.js';

/** Flash offset of irom0 text in MicroPython's ESP8266 layout (makeimg.py SEGS_MAX_SIZE). */
export const ESP8266_IROM_OFFSET = 0x9000;
/** Where the ESP8266 maps flash offset 0 for instruction fetch. */
export const ESP8266_IROM_MAP_BASE = 0x40200000;
const MD5_LEN = 16;

export interface Esp8266Trailer {
  iromOffset: number;
  iromLength: number;
  md5: { stored: string; computed: string; valid: boolean };
  /** Bytes the layout occupies, MD5 included. */
  totalLength: number;
}

/**
 * Reads the makeimg layout after a ROM image of `imageLength` bytes. Undefined when the file is a bare
 * ROM image without it; TRUNCATED_IMAGE when the length word promises more than the file holds.
 */
export function parseEsp8266Trailer(bytes: Uint8Array, imageLength: number): Esp8266Trailer | undefined {
  const lenAt = ESP8266_IROM_OFFSET - 4;
  if (imageLength > lenAt || bytes.length < ESP8266_IROM_OFFSET) return undefined;
  for (let i = imageLength; i < lenAt; i++) if (bytes[i] !== 0xff) return undefined;
  const declared = readU32(bytes, lenAt);
  if (declared <= ESP8266_IROM_OFFSET || declared > 0x1000000) return undefined;
  const totalLength = declared + MD5_LEN;
  if (bytes.length < totalLength) {
    throw new UpyflashError(
      'TRUNCATED_IMAGE',
      `The ESP8266 firmware is truncated: its length field promises ${totalLength} bytes, the file has ${bytes.length}.`,
      { details: { expectedBytes: totalLength, actualBytes: bytes.length, exact: true } },
    );
  }
  const stored = bytes.subarray(declared, totalLength);
  const computed = md5(bytes.subarray(4, declared));
  return {
    iromOffset: ESP8266_IROM_OFFSET,
    iromLength: declared - ESP8266_IROM_OFFSET,
    md5: { stored: toHex(stored), computed: toHex(computed), valid: bytesEqual(stored, computed) },
    totalLength,
  };
}

/** Lays out ROM image + irom0 text the way makeimg.py does. */
export function buildEsp8266Layout(romImage: Uint8Array, irom: Uint8Array): Uint8Array {
  if (romImage.length > ESP8266_IROM_OFFSET - 4) {
    throw new UpyflashError('INTERNAL', `ESP8266 ROM image of ${romImage.length} bytes does not fit below 0x9000.`);
  }
  const declared = ESP8266_IROM_OFFSET + irom.length;
  const out = new Uint8Array(declared + MD5_LEN).fill(0xff);
  out.set(romImage, 0);
  writeU32(out, ESP8266_IROM_OFFSET - 4, declared);
  out.set(irom, ESP8266_IROM_OFFSET);
  out.set(md5(out.subarray(4, declared)), declared);
  return out;
}
