/** Loader command opcodes (Espressif serial protocol; see shared/PROTOCOL-NOTES.md). */
export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  /** ROM only: `offset, length` (at most 64), answered with a 64-byte buffer (esptool read_flash_slow). */
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;

export type OpName = keyof typeof Op;
export type Opcode = (typeof Op)[OpName];

const NAMES = new Map<number, OpName>(Object.entries(Op).map(([k, v]) => [v, k as OpName]));

export function opName(op: number): string {
  return NAMES.get(op) ?? `0x${op.toString(16).padStart(2, '0')}`;
}

/** ROM loader error codes (status byte 1 = failed, then this). */
export const ROM_ERRORS: Readonly<Record<number, string>> = {
  0x05: 'invalid message (or unsupported command)',
  0x06: 'failed to act on message',
  0x07: 'invalid CRC in message',
  0x08: 'flash write error (readback CRC mismatch)',
  0x09: 'flash read error',
  0x0a: 'flash read length error',
  0x0b: 'deflate error',
  0x0c: 'adler32 error',
  0x0d: 'deflate parameter error',
  0x0e: 'bad RAM size',
  0x0f: 'bad RAM address',
};

/** Flasher stub error codes. */
export const STUB_ERRORS: Readonly<Record<number, string>> = {
  0xc0: 'bad data length',
  0xc1: 'bad data checksum',
  0xc2: 'bad block size',
  0xc3: 'invalid command',
  0xc4: 'SPI operation failed',
  0xc5: 'SPI unlock failed',
  0xc6: 'not in flash mode',
  0xc7: 'inflate error',
  0xc8: 'not enough data',
  0xc9: 'too much data',
  0xff: 'command not implemented',
};

export const ROM_ERR_INVALID_MESSAGE = 0x05;
export const STUB_ERR_INVALID_COMMAND = 0xc3;
export const STUB_ERR_NOT_IMPLEMENTED = 0xff;
