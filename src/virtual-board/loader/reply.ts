import { encodeResponse } from '../../protocol/packet.js';

/**
 * How replies end, per dialect. The ROMs put `status` (0 ok / 1 failed) then `error` (and two reserved
 * bytes on the ESP32 family); the flasher stub puts its error code first and a status word second
 * (stub_flasher.c sends `error` then `status`), so a failed stub command reads [code, 0] and an
 * unimplemented one [0xFF, 0] (traces/esp32-stub-read-flash, GET_SECURITY_INFO).
 */

export const ROM_ERR = {
  INVALID_MESSAGE: 0x05,
  FAILED: 0x06,
  BAD_CHECKSUM: 0x07,
  FLASH_WRITE: 0x08,
  FLASH_READ: 0x09,
  READ_LENGTH: 0x0a,
  DEFLATE: 0x0b,
} as const;

export const STUB_ERR = {
  BAD_DATA_LEN: 0xc0,
  BAD_DATA_CHECKSUM: 0xc1,
  BAD_BLOCKSIZE: 0xc2,
  INVALID_COMMAND: 0xc3,
  FAILED_SPI_OP: 0xc4,
  FAILED_SPI_UNLOCK: 0xc5,
  NOT_IN_FLASH_MODE: 0xc6,
  INFLATE_ERROR: 0xc7,
  NOT_ENOUGH_DATA: 0xc8,
  TOO_MUCH_DATA: 0xc9,
  NOT_IMPLEMENTED: 0xff,
  /** handle_flash_erase: address / length not a multiple of 4 KiB. */
  ERASE_ADDR_UNALIGNED: 0x32,
  ERASE_LEN_UNALIGNED: 0x33,
  /** handle_flash_get_md5sum: SPI read failed (e.g. past the end of the flash). */
  MD5_READ_FAILED: 0x63,
} as const;

export type LoaderMode = 'rom' | 'stub';

export function statusTail(mode: LoaderMode, statusBytes: 2 | 4, error: number, stubStatus = 0): Uint8Array {
  if (mode === 'stub') return Uint8Array.from([error & 0xff, stubStatus & 0xff]);
  const tail = new Uint8Array(statusBytes);
  if (error !== 0) {
    tail[0] = 1;
    tail[1] = error & 0xff;
  }
  return tail;
}

export function buildReply(op: number, value: number, data: Uint8Array, tail: Uint8Array): Uint8Array {
  const body = new Uint8Array(data.length + tail.length);
  body.set(data, 0);
  body.set(tail, data.length);
  return encodeResponse(op, value, body);
}
