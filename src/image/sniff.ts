/**
 * What kind of file is this? Users hand us whatever their browser saved; the common mistakes (the
 * download web page, the .elf, a .hex, a .uf2, a zip) must be named, not reported as a bad magic byte.
 */
import { latin1String, readU32 } from '../platform/bytes.js';

export type FileKind = 'esp-image' | 'html' | 'elf' | 'intel-hex' | 'uf2' | 'zip' | 'gzip' | 'empty' | 'text' | 'unknown';

/** First byte of every ESP image (ROM bootloader and application). */
export const ESP_IMAGE_MAGIC = 0xe9;

const UF2_MAGIC_START0 = 0x0a324655; // "UF2\n"
const UF2_MAGIC_START1 = 0x9e5d5157;

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  return sig.every((v, i) => b[at + i] === v);
}

/** True when the head is valid UTF-8 (ASCII included) without NULs or other C0 controls but tab/CR/LF. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const c of head) if (c < 0x20 && c !== 9 && c !== 10 && c !== 13) return false;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // The head may end inside a multi-byte sequence: allow up to 3 bytes to be cut off.
  for (let cut = 0; cut <= Math.min(3, head.length - 1); cut++) {
    try {
      decoder.decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      // try a shorter head
    }
  }
  return false;
}

export function sniffFile(bytes: Uint8Array): FileKind {
  if (bytes.length === 0) return 'empty';
  if (bytes[0] === ESP_IMAGE_MAGIC) return 'esp-image';
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'elf';
  if (bytes.length >= 8 && readU32(bytes, 0) === UF2_MAGIC_START0 && readU32(bytes, 4) === UF2_MAGIC_START1) return 'uf2';
  // Local file header, or the end-of-central-directory record of an empty archive.
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'gzip';

  const head = bytes.subarray(0, Math.min(bytes.length, 1024));
  if (!looksLikeText(head)) return 'unknown';
  let text = latin1String(head);
  if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3); // UTF-8 BOM
  const trimmed = text.trimStart();
  // Intel HEX: records ":LLAAAATT...CC", the first usually a data or extended-address record.
  if (/^:[0-9A-Fa-f]{10,}\s*(\r?\n|$)/.test(trimmed)) return 'intel-hex';
  const lower = trimmed.toLowerCase();
  if (/^<!doctype html|^<html|^<head|^<body/.test(lower) || (lower.startsWith('<') && lower.includes('<html'))) return 'html';
  return 'text';
}

/** How each kind is called in messages to users. */
export const FILE_KIND_NAMES: Readonly<Record<FileKind, string>> = {
  'esp-image': 'an ESP firmware image',
  html: 'a web page (HTML)',
  elf: 'an ELF executable',
  'intel-hex': 'an Intel HEX file',
  uf2: 'a UF2 file',
  zip: 'a zip archive',
  gzip: 'a gzip-compressed file',
  empty: 'an empty file',
  text: 'a text file',
  unknown: 'not a recognised file type',
};
