import type { LoaderDialect } from '../chips/types.js';
import { Op } from './opcodes.js';
import { SYNC_PAYLOAD, dataPacket, u32le } from './packet.js';

/**
 * Commands as typed values: what goes on the wire, how long the chip may take to answer, and how many
 * payload bytes precede the status bytes in the reply (so status is found even when the reserved
 * status bytes of an ESP32 ROM carry garbage).
 */
export interface Command {
  readonly op: number;
  readonly data: Uint8Array;
  readonly checksum: number;
  readonly timeoutMs: number;
  /** Payload bytes before the status bytes in the reply; undefined = "all but the dialect's status bytes". */
  readonly replyDataLength?: number;
}

export const DEFAULT_TIMEOUT_MS = 3000;
export const SYNC_TIMEOUT_MS = 100;
export const MD5_SECONDS_PER_MB = 8;
export const ERASE_SECONDS_PER_MB = 40;
export const CHIP_ERASE_TIMEOUT_MS = 120_000;
export const MEM_END_TIMEOUT_MS = 100;

/** esptool's rule: a per-megabyte allowance for long operations, never below the default. */
export function timeoutForSize(secondsPerMb: number, bytes: number): number {
  return Math.max(DEFAULT_TIMEOUT_MS, Math.ceil((secondsPerMb * bytes) / 1_000_000) * 1000);
}

function cmd(op: number, data: Uint8Array, extra: Partial<Omit<Command, 'op' | 'data'>> = {}): Command {
  return { op, data, checksum: 0, timeoutMs: DEFAULT_TIMEOUT_MS, replyDataLength: 0, ...extra };
}

export const commands = {
  sync: (): Command => cmd(Op.SYNC, SYNC_PAYLOAD, { timeoutMs: SYNC_TIMEOUT_MS }),
  readReg: (addr: number): Command => cmd(Op.READ_REG, u32le(addr)),
  writeReg: (addr: number, value: number, mask = 0xffffffff, delayUs = 0): Command =>
    cmd(Op.WRITE_REG, u32le(addr, value, mask, delayUs)),
  spiAttach: (d: LoaderDialect, pins = 0): Command =>
    cmd(Op.SPI_ATTACH, d.spiAttachWords === 2 ? u32le(pins, 0) : u32le(pins)),
  spiSetParams: (totalSize: number): Command =>
    cmd(Op.SPI_SET_PARAMS, u32le(0, totalSize, 64 * 1024, 4 * 1024, 256, 0xffff)),
  /** FLASH_BEGIN; the erase happens while the chip thinks, hence the size-scaled timeout. */
  flashBegin: (d: LoaderDialect, eraseSize: number, blocks: number, blockSize: number, offset: number): Command =>
    cmd(Op.FLASH_BEGIN, beginWords(d, eraseSize, blocks, blockSize, offset), {
      timeoutMs: timeoutForSize(ERASE_SECONDS_PER_MB, eraseSize),
    }),
  flashData: (seq: number, block: Uint8Array, timeoutMs = DEFAULT_TIMEOUT_MS): Command => {
    const p = dataPacket(seq, block);
    return cmd(Op.FLASH_DATA, p.data, { checksum: p.checksum, timeoutMs });
  },
  flashEnd: (reboot: boolean): Command => cmd(Op.FLASH_END, u32le(reboot ? 0 : 1)),
  flashDeflBegin: (d: LoaderDialect, size: number, blocks: number, blockSize: number, offset: number): Command =>
    cmd(Op.FLASH_DEFL_BEGIN, beginWords(d, size, blocks, blockSize, offset), {
      timeoutMs: d.deflateSizeRoundedToBlocks
        ? timeoutForSize(ERASE_SECONDS_PER_MB, size)
        : DEFAULT_TIMEOUT_MS,
    }),
  flashDeflData: (seq: number, block: Uint8Array, timeoutMs = DEFAULT_TIMEOUT_MS): Command => {
    const p = dataPacket(seq, block);
    return cmd(Op.FLASH_DEFL_DATA, p.data, { checksum: p.checksum, timeoutMs });
  },
  flashDeflEnd: (reboot: boolean): Command => cmd(Op.FLASH_DEFL_END, u32le(reboot ? 0 : 1)),
  memBegin: (size: number, blocks: number, blockSize: number, offset: number): Command =>
    cmd(Op.MEM_BEGIN, u32le(size, blocks, blockSize, offset)),
  memData: (seq: number, block: Uint8Array): Command => {
    const p = dataPacket(seq, block);
    return cmd(Op.MEM_DATA, p.data, { checksum: p.checksum });
  },
  memEnd: (entry: number): Command =>
    cmd(Op.MEM_END, u32le(entry === 0 ? 1 : 0, entry), { timeoutMs: MEM_END_TIMEOUT_MS * 30 }),
  /** Second word: the stub wants the current baud, the ROM wants 0. */
  changeBaud: (newBaud: number, secondWord: number): Command => cmd(Op.CHANGE_BAUDRATE, u32le(newBaud, secondWord)),
  md5: (d: LoaderDialect, addr: number, size: number): Command =>
    cmd(Op.SPI_FLASH_MD5, u32le(addr, size, 0, 0), {
      timeoutMs: timeoutForSize(MD5_SECONDS_PER_MB, size),
      replyDataLength: d.md5Format === 'raw' ? 16 : 32,
    }),
  securityInfo: (): Command => {
    const c = cmd(Op.GET_SECURITY_INFO, new Uint8Array(0));
    // Length differs between chips (S2 has no chip id / eco fields): count from the end instead.
    return { op: c.op, data: c.data, checksum: 0, timeoutMs: c.timeoutMs };
  },
  eraseFlash: (): Command => cmd(Op.ERASE_FLASH, new Uint8Array(0), { timeoutMs: CHIP_ERASE_TIMEOUT_MS }),
  eraseRegion: (offset: number, size: number): Command =>
    cmd(Op.ERASE_REGION, u32le(offset, size), { timeoutMs: timeoutForSize(ERASE_SECONDS_PER_MB, size) }),
  readFlash: (offset: number, length: number, packetSize = 0x1000, inFlight = 64): Command =>
    cmd(Op.READ_FLASH, u32le(offset, length, packetSize, inFlight)),
} as const;

function beginWords(d: LoaderDialect, size: number, blocks: number, blockSize: number, offset: number): Uint8Array {
  return d.flashBeginWords === 5 ? u32le(size, blocks, blockSize, offset, 0) : u32le(size, blocks, blockSize, offset);
}
