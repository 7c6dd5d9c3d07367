import type { ChipSpec } from '../../chips/types.js';
import { ROM_MAGIC_REG } from '../../chips/types.js';
import { macRegisters, uartClockDivider, type ChipIdentity } from '../chip-identity.js';
import type { BoardChip } from '../chips.js';
import { SpiFlashController } from './spi-flash-commands.js';

/**
 * The little of the chip's address space a flashing tool touches: the ROM magic word, the eFuse words
 * that hold the MAC, UART_CLKDIV (from which tools derive the crystal), the ROM's record of its baud
 * (`UartDev.baud_rate`), registers the board's chip description lists as the ROM leaves them, and the
 * SPI flash controller. Anything else behaves as plain memory: it reads what was last written, 0 before.
 */
export class RegisterModel {
  readonly spi: SpiFlashController;
  private readonly fixed = new Map<number, number>();
  private readonly written = new Map<number, number>();
  /** The rate the UART runs at (UART_CLKDIV follows it). */
  private baud: number;
  /** `UartDev.baud_rate`: what the ROM believes its rate is (its CHANGE_BAUDRATE may leave it alone). */
  private recordedBaud: number;

  constructor(
    chip: ChipSpec,
    private readonly board: BoardChip,
    private readonly identity: ChipIdentity,
    private readonly initialBaud: number,
  ) {
    this.baud = initialBaud;
    this.recordedBaud = initialBaud;
    this.fixed.set(ROM_MAGIC_REG, board.magic);
    for (const [addr, value] of Object.entries(board.romRegisters)) this.fixed.set(Number(addr), value >>> 0);
    for (const [addr, value] of macRegisters(chip, identity.mac)) this.fixed.set(addr, value >>> 0);
    for (const [addr, value] of Object.entries(identity.registers ?? {})) this.fixed.set(Number(addr), value >>> 0);
    this.spi = new SpiFlashController(chip.spi, identity, this.fixed, board.spiUserAddress);
  }

  /** The UART now runs at `baud` (CHANGE_BAUDRATE, or a stub re-programming the divider). */
  setBaud(baud: number): void {
    this.baud = baud;
  }

  /** The ROM's own record of its rate, as a stub reads it back (stub_lib_uart_rominit_get_baudrate). */
  get romRecordedBaud(): number {
    return this.recordedBaud;
  }

  /** A loader that keeps its record in step with the UART (not the ESP32 ROM's CHANGE_BAUDRATE). */
  recordBaud(baud: number): void {
    this.recordedBaud = baud;
  }

  read(addr: number): number {
    addr >>>= 0;
    if (this.spi.owns(addr)) return this.spi.read(addr);
    const w = this.written.get(addr);
    if (w !== undefined) return w;
    const f = this.fixed.get(addr);
    if (f !== undefined) return f;
    if (addr === this.board.uartClkdivReg) return uartClockDivider(this.board.uartClockPerXtal, this.identity, this.baud);
    if (addr === this.board.romBaudRecordReg) return this.recordedBaud >>> 0;
    return this.calibration(addr) ?? 0;
  }

  /**
   * The ROM's clock calibration (chips.ts RomClockCalibration): the eFuse CK8M byte as burnt, and the
   * calibration value the ROM measured against this chip's crystal, i.e. the one for which its estimate
   * (value * 15625 * ck8m / 40) comes nearest the real crystal.
   */
  private calibration(addr: number): number | undefined {
    const x = this.board.romUartXtal;
    if (!x || !('calibration' in x)) return undefined;
    const c = x.calibration;
    if (addr === c.ck8mReg) return c.ck8m;
    if (addr !== c.caliReg) return undefined;
    const value = Math.round((this.identity.crystalMHz * 1e6 * 40) / (15625 * c.ck8m));
    return ((value & c.caliMask) << c.caliShift) >>> 0;
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
    this.recordedBaud = this.initialBaud;
  }
}
