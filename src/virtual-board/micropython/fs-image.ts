/**
 * The board's filesystem as bytes in flash. A real board keeps LittleFS in flash; the virtual board
 * keeps a simpler record of the same tree, so that what survives a reset or an erase is decided by the
 * flash contents alone, exactly as on hardware. Layout: magic, u32 payload length, u32 entry count,
 * SHA-256 of the payload, payload = entries (u8 kind, u16 path length, path UTF-8, u32 data length,
 * data). An erased region (0xFF) or a damaged record reads as "no filesystem yet".
 */
import { sha256 } from '../../platform/hash.js';

export type FsEntry = { kind: 'dir'; path: string } | { kind: 'file'; path: string; data: Uint8Array };

const MAGIC = new TextEncoder().encode('UPYVFS01');
const HEADER_LEN = MAGIC.length + 4 + 4 + 32;
const KIND_DIR = 1;
const KIND_FILE = 2;

export function encodedFsSize(entries: readonly FsEntry[]): number {
  let n = HEADER_LEN;
  for (const e of entries) n += 1 + 2 + utf8(e.path).length + 4 + (e.kind === 'file' ? e.data.length : 0);
  return n;
}

export function encodeFs(entries: readonly FsEntry[]): Uint8Array {
  const out = new Uint8Array(encodedFsSize(entries));
  const view = new DataView(out.buffer);
  let at = HEADER_LEN;
  for (const e of entries) {
    const path = utf8(e.path);
    const data = e.kind === 'file' ? e.data : new Uint8Array(0);
    out[at] = e.kind === 'dir' ? KIND_DIR : KIND_FILE;
    view.setUint16(at + 1, path.length, true);
    out.set(path, at + 3);
    at += 3 + path.length;
    view.setUint32(at, data.length, true);
    out.set(data, at + 4);
    at += 4 + data.length;
  }
  out.set(MAGIC, 0);
  view.setUint32(MAGIC.length, out.length - HEADER_LEN, true);
  view.setUint32(MAGIC.length + 4, entries.length, true);
  out.set(sha256(out.subarray(HEADER_LEN)), MAGIC.length + 8);
  return out;
}

/** Reads the header only: how many bytes the record occupies, or undefined when there is none. */
export function fsRecordLength(header: Uint8Array): number | undefined {
  if (header.length < HEADER_LEN) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (header[i] !== MAGIC[i]) return undefined;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  return HEADER_LEN + view.getUint32(MAGIC.length, true);
}

export const FS_HEADER_LEN = HEADER_LEN;

/** Undefined when the bytes hold no intact record (erased, never formatted, or damaged). */
export function decodeFs(record: Uint8Array): FsEntry[] | undefined {
  const total = fsRecordLength(record);
  if (total === undefined || total > record.length) return undefined;
  const payload = record.subarray(HEADER_LEN, total);
  const digest = sha256(payload);
  for (let i = 0; i < 32; i++) if (digest[i] !== record[MAGIC.length + 8 + i]) return undefined;
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const count = view.getUint32(MAGIC.length + 4, true);
  const entries: FsEntry[] = [];
  const decoder = new TextDecoder();
  let at = HEADER_LEN;
  for (let i = 0; i < count; i++) {
    const kind = record[at]!;
    const pathLen = view.getUint16(at + 1, true);
    const path = decoder.decode(record.subarray(at + 3, at + 3 + pathLen));
    at += 3 + pathLen;
    const dataLen = view.getUint32(at, true);
    const data = record.slice(at + 4, at + 4 + dataLen);
    at += 4 + dataLen;
    entries.push(kind === KIND_DIR ? { kind: 'dir', path } : { kind: 'file', path, data });
  }
  return entries;
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
