import type { ChipSpec } from '../../chips/types.js';
import { ROM_MAGIC_REG } from '../../chips/types.js';
import { macRegisters, uartClockDivider, type ChipIdentity } from '../chip-identity.js';
import { SpiFlashController } from './spi-flash-commands.js';

/**
 * The little of the chip's address space a flashing tool touches: the ROM magic word, the eFuse words
 * that hold the MAC, UART_CLKDIV (from which tools derive the crystal), registers the chip data lists
 * as the ROM leaves them, and the SPI flash controller. Anything else behaves as plain memory: it reads
 * what was last written, 0 before that.
 */
export class RegisterModel {
  readonly spi: SpiFlashController;
  private readonly fixed = new Map<number, number>();
  private readonly written = new Map<number, number>();
  private baud: number;

  constructor(
    private readonly chip: ChipSpec,
    private readonly identity: ChipIdentity,
    private readonly initialBaud: number,
  ) {
    this.baud = initialBaud;
    this.fixed.set(ROM_MAGIC_REG, chip.magicValues[0] ?? 0);
    for (const [addr, value] of Object.entries(chip.romRegisters ?? {})) this.fixed.set(Number(addr), value >>> 0);
    for (const [addr, value] of macRegisters(chip, identity.mac)) this.fixed.set(addr, value >>> 0);
    for (const [addr, value] of Object.entries(identity.registers ?? {})) this.fixed.set(Number(addr), value >>> 0);
    this.spi = new SpiFlashController(chip.spi, identity, this.fixed);
  }

  /** The UART now runs at `baud` (the ROM's auto-baud, or CHANGE_BAUDRATE). */
  setBaud(baud: number): void {
    this.baud = baud;
  }

  read(addr: number): number {
    addr >>>= 0;
    if (this.spi.owns(addr)) return this.spi.read(addr);
    const w = this.written.get(addr);
    if (w !== undefined) return w;
    const f = this.fixed.get(addr);
    if (f !== undefined) return f;
    if (addr === this.chip.uartClkdivReg) return uartClockDivider(this.chip, this.identity, this.baud);
    return 0;
  }

  /** WRITE_REG semantics: bits outside `mask` keep their value. */
  write(addr: number, value: number, mask = 0xffffffff): void {
    addr >>>= 0;
    const merged = mask === 0xffffffff ? value >>> 0 : ((value & mask) | (this.read(addr) & ~mask)) >>> 0;
    if (this.spi.owns(addr)) this.spi.write(addr, merged);
    else this.written.set(addr, merged);
  }

  reset(): void {
    this.written.clear();
    this.spi.reset();
    this.baud = this.initialBaud;
  }
}
