/**
 * ESP-IDF partition table (written at flash 0x8000): 32-byte entries starting with the bytes AA 50,
 * `type u8, subtype u8, offset u32, size u32, label[16], flags u32`; then an MD5 entry (EB EB, 14 x FF,
 * MD5 of all entries before it); then 0xFF to the end. Facts: esp-idf
 * components/partition_table/gen_esp32part.py.
 */
import { UpyflashError } from '../errors.js';
import { md5, toHex } from '../platform/hash.js';
import { bytesEqual, latin1Bytes, readU32, writeU32 } from '../platform/bytes.js';
import { hex, readCString } from './bytes.js';

export interface Partition {
  label: string;
  type: number;
  subtype: number;
  offset: number;
  size: number;
  flags: number;
  typeName: string;
  subtypeName: string;
}

/** Where ESP-IDF (and every MicroPython build) puts the table. */
export const PARTITION_TABLE_OFFSET = 0x8000;
/** gen_esp32part.py MAX_PARTITION_LENGTH: the table proper; the rest of the 4 KiB sector is for a signature. */
export const PARTITION_TABLE_MAX_LEN = 0xc00;
export const PARTITION_TABLE_SECTOR = 0x1000;
const ENTRY_LEN = 32;
const ENTRY_MAGIC = [0xaa, 0x50] as const;
const MD5_MAGIC = [0xeb, 0xeb] as const;

export const PARTITION_TYPE_APP = 0x00;
export const PARTITION_TYPE_DATA = 0x01;

const TYPE_NAMES: Readonly<Record<number, string>> = { 0x00: 'app', 0x01: 'data', 0x02: 'bootloader', 0x03: 'partition_table' };
const DATA_SUBTYPES: Readonly<Record<number, string>> = {
  0x00: 'ota',
  0x01: 'phy',
  0x02: 'nvs',
  0x03: 'coredump',
  0x04: 'nvs_keys',
  0x05: 'efuse',
  0x06: 'undefined',
  0x80: 'esphttpd',
  0x81: 'fat',
  0x82: 'spiffs',
  0x83: 'littlefs',
};

export function partitionTypeName(type: number): string {
  return TYPE_NAMES[type] ?? hex(type, 2);
}

export function partitionSubtypeName(type: number, subtype: number): string {
  if (type === PARTITION_TYPE_APP) {
    if (subtype === 0x00) return 'factory';
    if (subtype >= 0x10 && subtype < 0x20) return `ota_${subtype - 0x10}`;
    if (subtype === 0x20) return 'test';
  } else if (type === PARTITION_TYPE_DATA) {
    const name = DATA_SUBTYPES[subtype];
    if (name) return name;
  }
  return hex(subtype, 2);
}

function isMagic(b: Uint8Array, at: number, magic: readonly number[]): boolean {
  return b[at] === magic[0] && b[at + 1] === magic[1];
}

/** True when `bytes` starts like a partition table (an entry or, for an empty table, the MD5 entry). */
export function looksLikePartitionTable(bytes: Uint8Array): boolean {
  return bytes.length >= ENTRY_LEN && (isMagic(bytes, 0, ENTRY_MAGIC) || isMagic(bytes, 0, MD5_MAGIC));
}

function bad(message: string, details: Record<string, unknown> = {}): UpyflashError {
  return new UpyflashError('NOT_AN_IMAGE', message, {
    hint: 'The partition table in this file is damaged: download the firmware again.',
    details,
  });
}

/** Parses the table at the start of `bytes`; the MD5 entry, when present, must match. */
export function parsePartitionTable(bytes: Uint8Array): Partition[] {
  const result: Partition[] = [];
  const limit = Math.min(bytes.length, PARTITION_TABLE_MAX_LEN);
  for (let at = 0; at + ENTRY_LEN <= limit; at += ENTRY_LEN) {
    const entry = bytes.subarray(at, at + ENTRY_LEN);
    if (entry.every((b) => b === 0xff)) return result;
    if (isMagic(entry, 0, MD5_MAGIC)) {
      const stored = entry.subarray(16, 32);
      const computed = md5(bytes.subarray(0, at));
      if (!bytesEqual(stored, computed)) {
        throw bad(`Partition table MD5 mismatch: stored ${toHex(stored)}, computed ${toHex(computed)}.`, {
          stored: toHex(stored),
          computed: toHex(computed),
        });
      }
      continue;
    }
    if (!isMagic(entry, 0, ENTRY_MAGIC)) {
      throw bad(`Partition table entry ${at / ENTRY_LEN} does not start with AA 50 (found ${hex(entry[0]!, 2)} ${hex(entry[1]!, 2)}).`, {
        entry: at / ENTRY_LEN,
      });
    }
    const type = entry[2]!;
    const subtype = entry[3]!;
    result.push({
      label: readCString(entry, 12, 16),
      type,
      subtype,
      offset: readU32(entry, 4),
      size: readU32(entry, 8),
      flags: readU32(entry, 28),
      typeName: partitionTypeName(type),
      subtypeName: partitionSubtypeName(type, subtype),
    });
  }
  if (bytes.length < PARTITION_TABLE_MAX_LEN) {
    throw new UpyflashError(
      'TRUNCATED_IMAGE',
      `The partition table is cut off: expected ${PARTITION_TABLE_MAX_LEN} bytes, got ${bytes.length}.`,
      { details: { expectedBytes: PARTITION_TABLE_MAX_LEN, actualBytes: bytes.length } },
    );
  }
  throw bad('The partition table has no end marker.');
}

/** End of the partition that ends last: how much flash the layout needs. */
export function partitionsEnd(parts: readonly Partition[]): number {
  return parts.reduce((end, p) => Math.max(end, p.offset + p.size), 0);
}

export interface PartitionSpec {
  label: string;
  type: number;
  subtype: number;
  offset: number;
  size: number;
  flags?: number;
}

/** The 0xC00-byte table as gen_esp32part.py writes it: entries, MD5 entry, 0xFF padding. */
export function encodePartitionTable(parts: readonly PartitionSpec[]): Uint8Array {
  const out = new Uint8Array(PARTITION_TABLE_MAX_LEN).fill(0xff);
  if ((parts.length + 1) * ENTRY_LEN >= PARTITION_TABLE_MAX_LEN) {
    throw new UpyflashError('BAD_ARGUMENT', `Too many partitions (${parts.length}).`);
  }
  parts.forEach((p, i) => {
    const at = i * ENTRY_LEN;
    out.set(ENTRY_MAGIC, at);
    out[at + 2] = p.type;
    out[at + 3] = p.subtype;
    writeU32(out, at + 4, p.offset);
    writeU32(out, at + 8, p.size);
    out.fill(0, at + 12, at + 28);
    out.set(latin1Bytes(p.label.slice(0, 16)), at + 12);
    writeU32(out, at + 28, p.flags ?? 0);
  });
  const md5At = parts.length * ENTRY_LEN;
  out.set(MD5_MAGIC, md5At);
  out.set(md5(out.subarray(0, md5At)), md5At + 16);
  return out;
}
