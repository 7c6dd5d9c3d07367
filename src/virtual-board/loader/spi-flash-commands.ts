import { SPI_USER_COMMAND as BITS } from '../../chips/spi-bits.js';
import type { SpiRegisters } from '../../chips/types.js';
import { flashBytesFromJedec, WINBOND, type ChipIdentity } from '../chip-identity.js';
import { SFDP_SIZE, w25qSfdp } from '../flash-sfdp.js';

/**
 * The SPI flash controller as a host drives it through WRITE_REG/READ_REG (esptool's
 * run_spiflash_command): it sets the user-command registers, writes SPI_USR to the command register,
 * polls until the bit clears and reads the MISO bytes from W0... Only the commands a tool sends this
 * way are modelled: READ_ID (0x9F), the status registers (0x05/0x35/0x15 read, 0x01/0x31/0x11 write),
 * write enable/disable, and READ SFDP (0x5A, the part's table: flash-sfdp.ts). Others (unique id 0x4B)
 * return zeros. Until the loader attaches the flash (chips.ts flashAttachedBy) no flash is on the
 * pins: every MISO byte reads FFh and nothing reaches the part.
 */

const W_REGS = 16;

/** In USR: the transaction has an address phase; USR1 holds its bit length minus one from bit 26. */
const USR_ADDR = 1 << 30;
const USR1_ADDR_BITLEN_SHIFT = 26;
const USR1_ADDR_BITLEN_MASK = 0x3f;
/** SPI_ADDR's offset from the controller base, the same on every chip esptool drives (loader.py). */
const ADDR_REG = 0x04;

const FLASH = {
  WRSR: 0x01,
  WRDI: 0x04,
  RDSR: 0x05,
  WREN: 0x06,
  WRSR3: 0x11,
  RDSR3: 0x15,
  WRSR2: 0x31,
  RDSR2: 0x35,
  RDID: 0x9f,
  RDSFDP: 0x5a,
} as const;

/** Status register bit 1: write enable latch. */
const SR_WEL = 1 << 1;

export class SpiFlashController {
  private readonly regs = new Map<number, number>();
  /** Status registers 1..3 of the flash chip, as one 24-bit value. */
  private status = 0;
  private attached = false;
  private readonly sfdp: Uint8Array;

  constructor(
    private readonly spi: SpiRegisters,
    private readonly identity: ChipIdentity,
    private readonly resetValues: ReadonlyMap<number, number>,
    /** Which end of SPI_ADDR the address phase sends (chips.ts spiUserAddress). */
    private readonly addressFrom: 'high' | 'low',
  ) {
    // Only the Winbond part's table is modelled; another part answers zeros, as the emulated flash in
    // the traces (a GigaDevice id without SFDP) does.
    const winbond = (identity.flashJedecId & 0xff) === WINBOND;
    this.sfdp = winbond ? w25qSfdp(flashBytesFromJedec(identity.flashJedecId)) : new Uint8Array(SFDP_SIZE);
    this.reset();
  }

  /** The loader connected the flash to the controller (SPI_ATTACH, or what stands in for it). */
  attach(): void {
    this.attached = true;
  }

  get flashAttached(): boolean {
    return this.attached;
  }

  owns(addr: number): boolean {
    return addr >= this.spi.base && addr < this.spi.base + 0x100;
  }

  reset(): void {
    this.attached = false;
    this.regs.clear();
    for (const [addr, value] of this.resetValues) if (this.owns(addr)) this.regs.set(addr, value);
  }

  read(addr: number): number {
    return this.regs.get(addr) ?? 0;
  }

  write(addr: number, value: number): void {
    if (addr === this.spi.base + BITS.cmdReg && (value & BITS.cmdUsr) !== 0) {
      this.regs.set(addr, value >>> 0);
      this.runUserCommand();
      // The hardware clears SPI_USR when the transaction is done; the host polls for that.
      this.regs.set(addr, (value & ~BITS.cmdUsr) >>> 0);
      return;
    }
    this.regs.set(addr, value >>> 0);
  }

  private reg(offset: number): number {
    return this.read(this.spi.base + offset);
  }

  private runUserCommand(): void {
    const usr = this.reg(this.spi.usr);
    if ((usr & BITS.usrCommand) === 0) return;
    const command = this.reg(this.spi.usr2) & 0xff;
    const misoBits = (usr & BITS.usrMiso) !== 0 ? this.misoBitLength() : 0;
    const mosiBits = (usr & BITS.usrMosi) !== 0 ? this.mosiBitLength() : 0;
    const mosi = this.readW(Math.ceil(mosiBits / 8));
    const misoBytes = Math.ceil(misoBits / 8);
    const miso = this.attached ? this.execute(command, mosi, misoBytes) : new Uint8Array(misoBytes).fill(0xff);
    if (misoBits > 0) this.writeW(miso, misoBytes);
  }

  /** The address phase's value, or 0 without one. */
  private address(): number {
    if ((this.reg(this.spi.usr) & USR_ADDR) === 0) return 0;
    const bits = ((this.reg(this.spi.usr1) >>> USR1_ADDR_BITLEN_SHIFT) & USR1_ADDR_BITLEN_MASK) + 1;
    const raw = this.reg(ADDR_REG) >>> 0;
    if (bits >= 32) return raw;
    return this.addressFrom === 'high' ? raw >>> (32 - bits) : raw & ((1 << bits) - 1);
  }

  private readSfdp(length: number): Uint8Array {
    const start = this.address();
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.sfdp[(start + i) % SFDP_SIZE]!;
    return out;
  }

  private misoBitLength(): number {
    if (this.spi.misoDlen !== undefined) return (this.reg(this.spi.misoDlen) & 0xffffff) + 1;
    return ((this.reg(this.spi.usr1) >>> BITS.usr1MisoBitlenShift) & BITS.usr1BitlenMask) + 1;
  }

  private mosiBitLength(): number {
    if (this.spi.mosiDlen !== undefined) return (this.reg(this.spi.mosiDlen) & 0xffffff) + 1;
    return ((this.reg(this.spi.usr1) >>> BITS.usr1MosiBitlenShift) & BITS.usr1BitlenMask) + 1;
  }

  private execute(command: number, mosi: Uint8Array, misoBytes: number): Uint8Array {
    const id = this.identity.flashJedecId;
    switch (command) {
      case FLASH.RDSFDP:
        return this.readSfdp(misoBytes);
      case FLASH.RDID:
        return Uint8Array.from([id & 0xff, (id >>> 8) & 0xff, (id >>> 16) & 0xff]);
      case FLASH.RDSR:
        return Uint8Array.from([this.status & 0xff]);
      case FLASH.RDSR2:
        return Uint8Array.from([(this.status >>> 8) & 0xff]);
      case FLASH.RDSR3:
        return Uint8Array.from([(this.status >>> 16) & 0xff]);
      case FLASH.WREN:
        this.status |= SR_WEL;
        return new Uint8Array(0);
      case FLASH.WRDI:
        this.status &= ~SR_WEL;
        return new Uint8Array(0);
      case FLASH.WRSR:
      case FLASH.WRSR2:
      case FLASH.WRSR3:
        this.writeStatus(command, mosi);
        return new Uint8Array(0);
      default:
        return new Uint8Array(0);
    }
  }

  /** A status write needs the write-enable latch, and clears it (as every NOR part does). */
  private writeStatus(command: number, mosi: Uint8Array): void {
    if ((this.status & SR_WEL) === 0) return;
    const shift = command === FLASH.WRSR ? 0 : command === FLASH.WRSR2 ? 8 : 16;
    // WRSR with two data bytes writes status 1 and 2 (the stub's SPIUnlock uses that form).
    const bytes = command === FLASH.WRSR ? Math.min(2, mosi.length) : Math.min(1, mosi.length);
    for (let i = 0; i < bytes; i++) {
      const at = shift + 8 * i;
      this.status = (this.status & ~(0xff << at)) | ((mosi[i]! & 0xff) << at);
    }
    this.status &= ~SR_WEL;
  }

  private readW(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = (this.reg(this.spi.w0 + (i & ~3)) >>> ((i & 3) * 8)) & 0xff;
    return out;
  }

  /** MISO bytes land little-endian in W0, W1, ...; bytes past the data keep what the host left. */
  private writeW(data: Uint8Array, length: number): void {
    for (let word = 0; word * 4 < length && word < W_REGS; word++) {
      const addr = this.spi.base + this.spi.w0 + word * 4;
      let value = this.read(addr);
      for (let b = 0; b < 4 && word * 4 + b < length; b++) {
        const byte = data[word * 4 + b] ?? 0;
        value = (value & ~(0xff << (b * 8))) | (byte << (b * 8));
      }
      this.regs.set(addr, value >>> 0);
    }
  }
}
