import { type ChipSpec, SPI_USER_COMMAND as BITS } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import { commandWithRetry } from './retry.js';

/** SPI flash opcodes this tool sends through the chip's SPI "user command" registers. */
const SPIFLASH_RDID = 0x9f;

const POLL_LIMIT = 10;

/**
 * esptool's run_spiflash_command for a read-only command without address or dummy cycles: program
 * the user-command registers, start it, poll until done, read W0, restore the registers we touched.
 */
export async function runSpiFlashRead(link: LoaderLink, chip: ChipSpec, opcode: number, readBits: number): Promise<number> {
  const spi = chip.spi;
  const reg = (offset: number) => spi.base + offset;
  const read = async (addr: number) => (await commandWithRetry(link, commands.readReg(addr))).value >>> 0;
  const write = (addr: number, value: number) => commandWithRetry(link, commands.writeReg(addr, value >>> 0));

  const oldUsr = await read(reg(spi.usr));
  const oldUsr2 = await read(reg(spi.usr2));
  if (spi.misoDlen !== undefined) {
    if (readBits > 0) await write(reg(spi.misoDlen), readBits - 1);
  } else {
    await write(reg(spi.usr1), ((readBits > 0 ? readBits - 1 : 0) << BITS.usr1MisoBitlenShift) >>> 0);
  }
  await write(reg(spi.usr), (BITS.usrCommand | (readBits > 0 ? BITS.usrMiso : 0)) >>> 0);
  await write(reg(spi.usr2), ((7 << BITS.usr2CommandLenShift) | opcode) >>> 0);
  await write(reg(spi.w0), 0);
  await write(reg(BITS.cmdReg), BITS.cmdUsr);
  let done = false;
  for (let i = 0; i < POLL_LIMIT && !done; i++) done = ((await read(reg(BITS.cmdReg))) & BITS.cmdUsr) === 0;
  if (!done) throw new UpyflashError('PROTOCOL_ERROR', 'The SPI flash command did not complete');
  const status = await read(reg(spi.w0));
  await write(reg(spi.usr), oldUsr);
  await write(reg(spi.usr2), oldUsr2);
  return status;
}

export interface FlashId {
  /** JEDEC id as esptool prints it: manufacturer in the low byte, then device (2 bytes). */
  readonly raw: number;
  readonly manufacturer: number;
  readonly device: number;
  /** From the capacity byte; undefined when the code is unknown. */
  readonly sizeBytes: number | undefined;
}

export async function readFlashId(link: LoaderLink, chip: ChipSpec): Promise<FlashId> {
  const raw = (await runSpiFlashRead(link, chip, SPIFLASH_RDID, 24)) & 0xffffff;
  const manufacturer = raw & 0xff;
  const device = ((raw >> 8) & 0xff) << 8 | ((raw >> 16) & 0xff);
  return { raw, manufacturer, device, sizeBytes: flashSizeFromId(raw) };
}

/** Capacity byte (third JEDEC byte) -> bytes, as esptool's DETECTED_FLASH_SIZES table has it. */
const KB = 1024;
const MB = 1024 * 1024;
const CAPACITY: Readonly<Record<number, number>> = {
  0x12: 256 * KB, 0x13: 512 * KB, 0x14: 1 * MB, 0x15: 2 * MB, 0x16: 4 * MB, 0x17: 8 * MB, 0x18: 16 * MB,
  0x19: 32 * MB, 0x1a: 64 * MB, 0x1b: 128 * MB, 0x1c: 256 * MB, 0x20: 64 * MB, 0x21: 128 * MB, 0x22: 256 * MB,
  0x32: 256 * KB, 0x33: 512 * KB, 0x34: 1 * MB, 0x35: 2 * MB, 0x36: 4 * MB, 0x37: 8 * MB, 0x38: 16 * MB,
  0x39: 32 * MB, 0x3a: 64 * MB,
};

export function flashSizeFromId(jedec: number): number | undefined {
  return CAPACITY[(jedec >> 16) & 0xff];
}

export function formatSize(bytes: number): string {
  return bytes >= MB && bytes % MB === 0 ? `${bytes / MB}MB` : `${Math.round(bytes / KB)}KB`;
}
