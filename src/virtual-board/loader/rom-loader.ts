import { Op } from '../../protocol/opcodes.js';
import { checksum, decodeCommand, SYNC_PAYLOAD, type DecodedCommand } from '../../protocol/packet.js';
import { bytesEqual, readU32 } from '../../platform/bytes.js';
import { md5, toHex } from '../../platform/hash.js';
import { chargeMd5 } from './md5-cost.js';
import { romBootReplyValue } from '../chip-identity.js';
import { dataBlock, words, type LoaderCore, type LoaderRoom } from './core.js';
import { RomFlashWriter } from './flash-write-session.js';
import { buildReply, ROM_ERR, statusTail } from './reply.js';
import { securityInfo } from './security-info.js';

/**
 * Espressif's ROM download loader: frames in arrival order, each handled to the end (flash written and
 * read back) before its reply. The facts per ROM come from the board's chip description (chips.ts);
 * the traces in shared/traces are the ground truth for every byte it sends.
 */

/** What Secure Download Mode leaves of the ROM loader. */
const SECURE_DOWNLOAD_ALLOWED: ReadonlySet<number> = new Set([
  Op.SYNC,
  Op.SPI_ATTACH,
  Op.SPI_SET_PARAMS,
  Op.CHANGE_BAUDRATE,
  Op.FLASH_BEGIN,
  Op.FLASH_DATA,
  Op.FLASH_END,
  Op.GET_SECURITY_INFO,
]);

/** The most READ_FLASH_SLOW reads at once, and the size of every answer. */
const SLOW_READ_BLOCK = 64;

interface ReplyHeader {
  op: number;
  value: number;
  copies: number;
}

/** MEM_END asked the ROM to jump: the loader decides what runs (the stub, or the chip leaves). */
export type RomJump = (entry: number) => void;

export class RomLoader implements LoaderRoom {
  readonly mode = 'rom' as const;
  private queue: Uint8Array[] = [];
  private readonly writer: RomFlashWriter;
  /** The ROM's reply buffer: its value field outlives the command that set it. */
  private replyValue: number;
  private lastHeader: ReplyHeader;
  /** READ_FLASH_SLOW's buffer in the ROM's RAM (cleared by a chip reset, like the room). */
  private readonly slowReadBuffer = new Uint8Array(SLOW_READ_BLOCK);

  constructor(
    private readonly core: LoaderCore,
    private readonly jump: RomJump,
  ) {
    this.writer = new RomFlashWriter(core.flash, core.clock, core.board.rom.eraseSizeBug, core.flashFaults);
    this.replyValue =
      (core.identity.romReplyValue ?? romBootReplyValue(core.chip, (a) => core.regs.read(a))) >>> 0;
    this.lastHeader = { op: 0, value: this.replyValue, copies: 1 };
  }

  accept(packet: Uint8Array): void {
    this.queue.push(packet);
  }

  take(): Uint8Array | undefined {
    return this.queue.shift();
  }

  /** The ROM stops reading its UART when it jumps elsewhere. */
  abandon(): void {
    this.queue = [];
  }

  handle(packet: Uint8Array): void {
    const cmd = decodeCommand(packet);
    // Anything that is not a command (noise, a stray acknowledgement) gets no answer.
    if (!cmd) return;
    if (this.core.identity.secureDownload && !SECURE_DOWNLOAD_ALLOWED.has(cmd.op)) return this.unsupported();
    this.dispatch(cmd);
  }

  private reply(op: number, error = 0, data: Uint8Array = new Uint8Array(0), value = this.replyValue): void {
    const tail = statusTail('rom', this.core.board.rom.statusBytes, error);
    this.lastHeader = { op, value, copies: 1 };
    this.core.emit(buildReply(op, value, data, tail));
  }

  /**
   * The ROM's answer to a command it does not have: it re-sends its previous reply's header (opcode and
   * value of that reply, not of this command) with status 1 / error 5, as many times as it sent that
   * reply (8 after a SYNC). traces/esp32-rom-chip-id, esp32-rom-security-info, esp8266-ejsstub-write.
   */
  private unsupported(): void {
    const { op, value, copies } = this.lastHeader;
    const tail = statusTail('rom', this.core.board.rom.statusBytes, ROM_ERR.INVALID_MESSAGE);
    for (let i = 0; i < copies; i++) this.core.emit(buildReply(op, value, new Uint8Array(0), tail));
  }

  private dispatch(cmd: DecodedCommand): void {
    const rom = this.core.board.rom;
    const d = cmd.data;
    switch (cmd.op) {
      case Op.SYNC:
        return this.sync(d);
      case Op.READ_REG:
        if (d.length !== 4) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.replyValue = this.core.regs.read(readU32(d, 0));
        return this.reply(cmd.op);
      case Op.WRITE_REG:
        if (d.length === 0 || d.length % 16 !== 0) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        if (writeRegs(this.core, d)) {
          this.reply(cmd.op);
          this.abandon();
          return this.core.leaveDownloadMode();
        }
        return this.reply(cmd.op);
      case Op.SPI_ATTACH:
        if (rom.spiAttachWords === 0) return this.unsupported();
        if (d.length !== rom.spiAttachWords * 4) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.core.regs.spi.attach();
        this.replyValue = 0;
        return this.reply(cmd.op);
      case Op.SPI_SET_PARAMS:
        if (d.length !== 24) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.replyValue = 0;
        return this.reply(cmd.op);
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.flashBegin(cmd);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
        return this.flashData(cmd);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.flashEnd(cmd);
      case Op.MEM_BEGIN:
        if (d.length !== 16) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.core.ram.begin(readU32(d, 0), readU32(d, 8), readU32(d, 12));
        return this.reply(cmd.op);
      case Op.MEM_DATA:
        return this.memData(cmd);
      case Op.MEM_END:
        return this.memEnd(cmd);
      case Op.CHANGE_BAUDRATE:
        return this.changeBaud(cmd);
      case Op.SPI_FLASH_MD5:
        return this.md5(cmd);
      case Op.READ_FLASH_SLOW:
        return this.readFlashSlow(cmd);
      case Op.GET_SECURITY_INFO:
        if (!rom.securityInfo) return this.unsupported();
        if (d.length !== 0) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        return this.reply(cmd.op, 0, securityInfo(this.core.board, this.core.identity));
      default:
        return this.unsupported();
    }
  }

  private sync(d: Uint8Array): void {
    // A SYNC whose pattern is wrong never locks the ROM's auto-baud: no answer at all.
    if (!bytesEqual(d, SYNC_PAYLOAD)) return;
    const board = this.core.board;
    const tail = statusTail('rom', board.rom.statusBytes, 0);
    const reply = buildReply(Op.SYNC, board.syncReplyValue, new Uint8Array(0), tail);
    for (let i = 0; i < board.syncReplies; i++) this.core.emit(reply);
    this.lastHeader = { op: Op.SYNC, value: board.syncReplyValue, copies: board.syncReplies };
    if (board.rom.syncLeavesReplyValue) this.replyValue = board.syncReplyValue;
  }

  /**
   * The ROM changes the UART divider; whether it updates `UartDev.baud_rate` is the chip's fact. A rate
   * of 0 has no divider: the ROM refuses it and keeps its rate. Which error byte the silicon sends for
   * it is not recorded in any trace; the board answers with the ROM's invalid-message error (0x05).
   */
  private changeBaud(cmd: DecodedCommand): void {
    if (!this.core.board.rom.changeBaud) return this.unsupported();
    if (cmd.data.length !== 8) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    const asked = readU32(cmd.data, 0);
    if (asked === 0) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    this.reply(cmd.op);
    if (this.core.board.romChangeBaudUpdatesRecord) this.core.regs.recordBaud(asked);
    this.core.changeBaud(this.realRate(asked), asked);
  }

  /**
   * A ROM that divides for another crystal than the chip has lands on `asked * real / assumed`; this
   * chip's own divider error (identity.romBaudError) comes on top.
   */
  private realRate(asked: number): number {
    const error = this.core.identity.romBaudError ?? 1;
    const assumed = this.assumedCrystalHz();
    const real = this.core.identity.crystalMHz * 1e6;
    const rate = assumed !== undefined && assumed > 0 && assumed !== real ? (asked * real) / assumed : asked;
    return Math.round(rate * error);
  }

  /** The crystal the ROM divides for (chips.ts romUartXtal), in Hz; undefined: the real one. */
  private assumedCrystalHz(): number | undefined {
    const x = this.core.board.romUartXtal;
    if (!x) return undefined;
    const read = (a: number) => this.core.regs.read(a);
    if ('assumedMHz' in x) return x.assumedMHz * 1e6;
    if ('reg' in x) return ((read(x.reg) >>> x.shift) & x.mask) * 1e6;
    const c = x.calibration;
    return (((read(c.caliReg) >>> c.caliShift) & c.caliMask) * 15625 * (read(c.ck8mReg) & 0xff)) / 40;
  }

  private flashBegin(cmd: DecodedCommand): void {
    const rom = this.core.board.rom;
    const compressed = cmd.op === Op.FLASH_DEFL_BEGIN;
    if (compressed && !rom.deflate) return this.unsupported();
    if (cmd.data.length !== rom.flashBeginWords * 4) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    const [eraseSize, blocks, blockSize, offset] = words(cmd.data, 4);
    if (rom.flashAttachedBy === 'flash-begin') this.core.regs.spi.attach();
    const error = this.writer.begin({ eraseSize, blocks, blockSize, offset }, compressed);
    // The erase routine's result (0) stays in the reply buffer; with nothing to erase it is not called
    // (traces/esp8266-rom-write: the first, empty FLASH_BEGIN still shows the boot-time value).
    if (eraseSize > 0) this.replyValue = 0;
    this.reply(cmd.op, error);
  }

  private flashData(cmd: DecodedCommand): void {
    const compressed = cmd.op === Op.FLASH_DEFL_DATA;
    if (compressed && !this.core.board.rom.deflate) return this.unsupported();
    const block = dataBlock(cmd.data);
    if (!block) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    if (checksum(block.payload) !== (cmd.checksum & 0xff)) return this.reply(cmd.op, ROM_ERR.BAD_CHECKSUM);
    const error = this.writer.data(block.seq, block.payload, compressed);
    this.replyValue = 0;
    this.reply(cmd.op, error);
  }

  private flashEnd(cmd: DecodedCommand): void {
    if (cmd.op === Op.FLASH_DEFL_END && !this.core.board.rom.deflate) return this.unsupported();
    if (cmd.data.length !== 4) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    const error = this.writer.finish();
    this.reply(cmd.op, error);
    // 0 = reboot, 1 = run the application: either way the chip leaves the loader.
    if (error === 0) {
      this.abandon();
      this.core.leaveDownloadMode();
    }
  }

  private memData(cmd: DecodedCommand): void {
    const block = dataBlock(cmd.data);
    if (!block) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    if (checksum(block.payload) !== (cmd.checksum & 0xff)) return this.reply(cmd.op, ROM_ERR.BAD_CHECKSUM);
    const ok = this.core.ram.data(block.seq, block.payload);
    this.reply(cmd.op, ok ? 0 : ROM_ERR.INVALID_MESSAGE);
  }

  /** MEM_END(no_entry, entry): the ROM answers, then jumps unless told not to. */
  private memEnd(cmd: DecodedCommand): void {
    if (cmd.data.length !== 8) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    const [noEntry, entry] = words(cmd.data, 2);
    this.reply(cmd.op);
    if (noEntry !== 0) return;
    this.abandon();
    this.jump(entry!);
  }

  /**
   * READ_FLASH_SLOW(offset, length): up to 64 bytes read into the ROM's 64-byte buffer, and the whole
   * buffer sent back whatever the length (esptool: "command always returns 64 byte buffer, regardless
   * of how many bytes were actually read"), so bytes past `length` are what an earlier read left.
   */
  private readFlashSlow(cmd: DecodedCommand): void {
    if (!this.core.board.rom.readFlashSlow) return this.unsupported();
    if (cmd.data.length !== 8) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    const [addr, size] = words(cmd.data, 2);
    if (size! > SLOW_READ_BLOCK) return this.reply(cmd.op, ROM_ERR.READ_LENGTH);
    if (addr! + size! > this.core.flash.size) return this.reply(cmd.op, ROM_ERR.FLASH_READ);
    this.slowReadBuffer.set(this.core.flash.read(addr!, size!), 0);
    this.core.clock.flashBlocking(this.core.flash.readTimeMs(size!));
    this.replyValue = 0;
    this.reply(cmd.op, 0, this.slowReadBuffer.slice());
  }

  private md5(cmd: DecodedCommand): void {
    if (!this.core.board.rom.md5) return this.unsupported();
    if (cmd.data.length !== 16) return this.reply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    const [addr, size] = words(cmd.data, 2);
    if (addr! + size! > this.core.flash.size) return this.reply(cmd.op, ROM_ERR.FLASH_READ);
    const digest = md5(this.core.flash.read(addr!, size!));
    // Read and digested at the crystal clock the ROM runs at (md5-cost.ts).
    chargeMd5(this.core, size!, this.core.identity.crystalMHz);
    this.replyValue = 0;
    this.reply(cmd.op, 0, new TextEncoder().encode(toHex(digest)));
  }
}

/**
 * WRITE_REG entries: address, value, mask, delay. Returns whether they started the RTC watchdog: the
 * caller replies first and then lets the chip reset (the watchdog fires milliseconds later).
 */
export function writeRegs(core: LoaderCore, d: Uint8Array): boolean {
  let watchdog = false;
  for (let at = 0; at + 16 <= d.length; at += 16) {
    const [addr, value, mask] = words(d.subarray(at), 3);
    core.regs.write(addr!, value!, mask);
    watchdog ||= watchdogStarted(core, addr!);
  }
  return watchdog;
}

/** An unlocked RTC watchdog was just enabled: it resets the chip into its firmware (after the reply). */
function watchdogStarted(core: LoaderCore, addr: number): boolean {
  const wdt = core.board.rtcWatchdog;
  if (!wdt || addr >>> 0 !== wdt.config0Reg) return false;
  return (core.regs.read(wdt.config0Reg) & 0x80000000) !== 0 && core.regs.read(wdt.protectReg) >>> 0 === wdt.key;
}
