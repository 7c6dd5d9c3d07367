/**
 * Byte layout of loader packets (before SLIP). Shared by the client and the virtual board: it is a
 * codec, not behaviour, so sharing it cannot hide a bug in either.
 */

export const SYNC_PAYLOAD = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55)]);
export const CHECKSUM_SEED = 0xef;

/** XOR checksum over the data of *_DATA commands (the bytes after their 16-byte header). */
export function checksum(data: Uint8Array, seed = CHECKSUM_SEED): number {
  let c = seed;
  for (const b of data) c ^= b;
  return c & 0xff;
}

export function encodeCommand(op: number, data: Uint8Array, chk = 0): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const v = new DataView(out.buffer);
  out[0] = 0x00;
  out[1] = op;
  v.setUint16(2, data.length, true);
  v.setUint32(4, chk >>> 0, true);
  out.set(data, 8);
  return out;
}

/** A view of a packet whose 8-byte header is complete and whose direction byte (0 host->chip, 1 chip->host) is `direction`. */
function header(packet: Uint8Array, direction: 0x00 | 0x01): DataView | undefined {
  if (packet.length < 8 || packet[0] !== direction) return undefined;
  return new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
}

export interface DecodedCommand {
  op: number;
  checksum: number;
  data: Uint8Array;
}

/** Parses a host->chip packet; returns undefined for anything that is not one (wrong direction byte, short). */
export function decodeCommand(packet: Uint8Array): DecodedCommand | undefined {
  const v = header(packet, 0x00);
  if (!v) return undefined;
  const size = v.getUint16(2, true);
  return { op: packet[1]!, checksum: v.getUint32(4, true), data: packet.subarray(8, 8 + size) };
}

export interface RawResponse {
  op: number;
  value: number;
  /** Everything after the 8-byte header, status bytes included. */
  body: Uint8Array;
}

export function decodeResponse(packet: Uint8Array): RawResponse | undefined {
  const v = header(packet, 0x01);
  if (!v) return undefined;
  return { op: packet[1]!, value: v.getUint32(4, true), body: packet.subarray(8) };
}

export function encodeResponse(op: number, value: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  const v = new DataView(out.buffer);
  out[0] = 0x01;
  out[1] = op;
  v.setUint16(2, body.length, true);
  v.setUint32(4, value >>> 0, true);
  out.set(body, 8);
  return out;
}

export function u32le(...words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const v = new DataView(out.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
}

/** Header of MEM_DATA / FLASH_DATA / FLASH_DEFL_DATA: size, sequence number, two zero words. */
export function dataPacket(seq: number, block: Uint8Array): { data: Uint8Array; checksum: number } {
  const data = new Uint8Array(16 + block.length);
  data.set(u32le(block.length, seq, 0, 0), 0);
  data.set(block, 16);
  return { data, checksum: checksum(block) };
}
