/**
 * The descriptors ESP-IDF puts at the start of an image's first data segment: esp_app_desc_t (magic
 * 0xABCD5432, first bytes of the DROM segment of an application) and esp_bootloader_desc_t (magic
 * byte 0x50, first bytes of the bootloader's DRAM segment). esptool's image_info prints both.
 * Layouts: esptool/cmds.py `_parse_app_info` / `_parse_bootloader_info`.
 */
import { toHex } from '../platform/hash.js';
import { readU16, readU32, writeU16, writeU32 } from '../platform/bytes.js';
import { readCString, writeCString } from './bytes.js';

export const APP_DESC_MAGIC = 0xabcd5432;
export const APP_DESC_LEN = 256;
export const BOOTLOADER_DESC_MAGIC = 0x50;
export const BOOTLOADER_DESC_LEN = 80;

export interface AppDescription {
  secureVersion: number;
  version: string;
  projectName: string;
  time: string;
  date: string;
  idfVersion: string;
  elfSha256: string;
  minEfuseBlkRevFull: number;
  maxEfuseBlkRevFull: number;
  /** log2 of the MMU page size, 0 = not recorded. */
  mmuPageSizeLog2: number;
}

export interface BootloaderDescription {
  version: number;
  idfVersion: string;
  dateTime: string;
}

export function parseAppDescription(seg: Uint8Array): AppDescription | undefined {
  if (seg.length < APP_DESC_LEN || readU32(seg, 0) !== APP_DESC_MAGIC) return undefined;
  return {
    secureVersion: readU32(seg, 4),
    version: readCString(seg, 16, 32),
    projectName: readCString(seg, 48, 32),
    time: readCString(seg, 80, 16),
    date: readCString(seg, 96, 16),
    idfVersion: readCString(seg, 112, 32),
    elfSha256: toHex(seg.subarray(144, 176)),
    minEfuseBlkRevFull: readU16(seg, 176),
    maxEfuseBlkRevFull: readU16(seg, 178),
    mmuPageSizeLog2: seg[180]!,
  };
}

export function parseBootloaderDescription(seg: Uint8Array): BootloaderDescription | undefined {
  if (seg.length < BOOTLOADER_DESC_LEN || seg[0] !== BOOTLOADER_DESC_MAGIC) return undefined;
  return { version: readU32(seg, 4), idfVersion: readCString(seg, 8, 32), dateTime: readCString(seg, 40, 24) };
}

export function encodeAppDescription(d: Omit<AppDescription, 'elfSha256'>, elfSha256: Uint8Array): Uint8Array {
  const out = new Uint8Array(APP_DESC_LEN);
  writeU32(out, 0, APP_DESC_MAGIC);
  writeU32(out, 4, d.secureVersion);
  writeCString(out, 16, 32, d.version);
  writeCString(out, 48, 32, d.projectName);
  writeCString(out, 80, 16, d.time);
  writeCString(out, 96, 16, d.date);
  writeCString(out, 112, 32, d.idfVersion);
  out.set(elfSha256.subarray(0, 32), 144);
  writeU16(out, 176, d.minEfuseBlkRevFull);
  writeU16(out, 178, d.maxEfuseBlkRevFull);
  out[180] = d.mmuPageSizeLog2;
  return out;
}

export function encodeBootloaderDescription(d: BootloaderDescription): Uint8Array {
  const out = new Uint8Array(BOOTLOADER_DESC_LEN);
  out[0] = BOOTLOADER_DESC_MAGIC;
  writeU32(out, 4, d.version);
  writeCString(out, 8, 32, d.idfVersion);
  writeCString(out, 40, 24, d.dateTime);
  return out;
}
