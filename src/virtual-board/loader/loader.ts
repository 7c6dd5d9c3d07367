import type { ChipSpec, LoaderDialect } from '../../chips/types.js';
import { Op } from '../../protocol/opcodes.js';
import { checksum, decodeCommand, SYNC_PAYLOAD, type DecodedCommand } from '../../protocol/packet.js';
import { bytesEqual, readU32 } from '../../platform/bytes.js';
import { md5, toHex } from '../../platform/hash.js';
import { romBootReplyValue, type ChipIdentity } from '../chip-identity.js';
import { BLOCK64K_SIZE, SECTOR_SIZE, type FlashMemory } from '../flash-memory.js';
import { RomFlashWriter, STUB_MAX_WRITE_BLOCK, StubFlashWriter } from './flash-write-session.js';
import { RamUpload } from './ram-upload.js';
import { ReadFlashStreamer } from './read-flash.js';
import { RegisterModel } from './registers.js';
import { buildReply, ROM_ERR, statusTail, STUB_ERR, type LoaderMode } from './reply.js';
import { securityInfo } from './security-info.js';
import { StubRxBuffers, slipFramedLength } from './stub-rx-buffers.js';
import type { StubImage } from '../../stub/stub-image.js';
import { isStubUpload } from './stub-image.js';
import { WorkClock } from './work-clock.js';

/**
 * The chip in download mode: Espressif's ROM loader and, once uploaded, the flasher stub. It speaks
 * unframed packets (the board does SLIP and the UART) and models what the real loaders do, down to
 * their quirks, because the client is tested against it: the traces in shared/traces are the ground
 * truth for every byte it sends.
 */

export interface LoaderHost {
  /** An unframed reply packet, or a raw stub data frame (OHAI, READ_FLASH data and digest). */
  send(packet: Uint8Array): void;
  /** After the acknowledgement of CHANGE_BAUDRATE has been sent. */
  changeBaud(baud: number): void;
  /** The chip leaves download mode (FLASH_END, RUN_USER_CODE, MEM_END to code that is not the stub). */
  runUserCode(): void;
  now(): number;
  schedule(ms: number, fn: () => void): void;
}

export interface DownloadModeLoaderOptions {
  chip: ChipSpec;
  flash: FlashMemory;
  identity: ChipIdentity;
  host: LoaderHost;
  /** Espressif's stub for this chip, to recognise its upload (Node reads it with src/stub/node/esptool-js-stubs.ts). */
  stubImage?: StubImage | (() => StubImage | undefined);
  /** The baud rate the ROM auto-bauded to (UART_CLKDIV follows it). Default 115200. */
  initialBaud?: number;
}

const SYNC_REPLIES = 8;
/** What the ROMs put in the value field of their SYNC replies. */
const SYNC_REPLY_VALUE = 0x20120707;
const OHAI = Uint8Array.from([0x4f, 0x48, 0x41, 0x49]);
/** Frames larger than this the stub refuses outright (MAX_WRITE_BLOCK + 16-byte data header). */
const STUB_MAX_FRAME_DATA = STUB_MAX_WRITE_BLOCK + 16;
/** Second status byte the stub sends with an oversized frame. */
const STUB_OVERSIZE_MARK = 0xee;

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

interface ReplyHeader {
  op: number;
  value: number;
  copies: number;
}

export class DownloadModeLoader {
  private readonly chip: ChipSpec;
  private readonly flash: FlashMemory;
  private readonly identity: ChipIdentity;
  private readonly host: LoaderHost;
  private readonly stubSource: DownloadModeLoaderOptions['stubImage'];
  private readonly initialBaud: number;
  private readonly regs: RegisterModel;
  private readonly clock = new WorkClock();
  private readonly ram = new RamUpload();
  private romWriter: RomFlashWriter;
  private stubWriter: StubFlashWriter;
  private reader: ReadFlashStreamer | undefined;

  private currentMode: LoaderMode = 'rom';
  /** ROM mode (and READ_FLASH acknowledgements): frames in arrival order. */
  private queue: Uint8Array[] = [];
  /** Stub mode: its two receive buffers, which is all the frames it can hold. */
  private readonly stubRx = new StubRxBuffers();
  private uartBaud: number;
  private busy = false;
  private halted = false;
  /** Bumped by reset(): callbacks scheduled before it are dropped. */
  private generation = 0;
  /** The ROM's reply buffer: its value field outlives the command that set it. */
  private replyValue: number;
  private lastHeader: ReplyHeader;

  constructor(opts: DownloadModeLoaderOptions) {
    this.chip = opts.chip;
    this.flash = opts.flash;
    this.identity = opts.identity;
    this.host = opts.host;
    this.stubSource = opts.stubImage;
    this.initialBaud = opts.initialBaud ?? 115200;
    this.uartBaud = this.initialBaud;
    this.regs = new RegisterModel(this.chip, this.identity, this.initialBaud);
    this.romWriter = new RomFlashWriter(this.flash, this.clock, this.chip.rom);
    this.stubWriter = new StubFlashWriter(this.flash, this.clock);
    this.replyValue = this.bootReplyValue();
    this.lastHeader = { op: 0, value: this.replyValue, copies: 1 };
    this.clock.reset(this.host.now());
  }

  private bootReplyValue(): number {
    return (this.identity.romReplyValue ?? romBootReplyValue(this.chip, (a) => this.regs.read(a))) >>> 0;
  }

  get mode(): LoaderMode {
    return this.currentMode;
  }

  /** One unframed packet from the host: a command, or a READ_FLASH acknowledgement. */
  receive(packet: Uint8Array): void {
    if (this.halted) return;
    if (this.currentMode === 'stub' && !(this.reader && !this.reader.done)) this.stubReceive(packet);
    else this.queue.push(packet);
    this.drain();
  }

  /**
   * A frame reaches the stub's receive buffers. What an overrun does on a real chip: the block being
   * inflated reads overwritten input, and a dropped block leaves a hole in the stream; either way the
   * write goes wrong (the stub only notices through the inflater, if at all).
   */
  private stubReceive(packet: Uint8Array): void {
    const now = this.host.now();
    const firstByteAt = now - (slipFramedLength(packet) * 10_000) / this.uartBaud;
    const { overranHandled, dropped } = this.stubRx.arrive(packet, firstByteAt);
    if (overranHandled) this.stubWriter.inputOverrun();
    if (dropped && isFlashDataFrame(dropped)) this.stubWriter.blockLost();
  }

  /** Chip reset: back to the ROM, RAM and peripherals cleared, flash kept. */
  reset(): void {
    this.generation++;
    this.currentMode = 'rom';
    this.queue = [];
    this.stubRx.clear();
    this.uartBaud = this.initialBaud;
    this.busy = false;
    this.halted = false;
    this.reader = undefined;
    this.regs.reset();
    this.ram.clear();
    this.romWriter = new RomFlashWriter(this.flash, this.clock, this.chip.rom);
    this.stubWriter = new StubFlashWriter(this.flash, this.clock);
    this.replyValue = this.bootReplyValue();
    this.lastHeader = { op: 0, value: this.replyValue, copies: 1 };
    this.clock.reset(this.host.now());
  }

  private get dialect(): LoaderDialect {
    return this.currentMode === 'rom' ? this.chip.rom : this.chip.stub;
  }

  // ---- scheduling -------------------------------------------------------------------------------

  private drain(): void {
    while (!this.busy && !this.halted) {
      const fromStub = this.queue.length === 0 ? this.stubRx.take() : undefined;
      const packet = fromStub?.packet ?? this.queue.shift();
      if (!packet) break;
      const now = this.host.now();
      this.clock.start(now);
      // Flash time spent outside the loader (an application's writes before a reset) is not ours.
      this.flash.takeCostMs();
      this.process(packet);
      if (fromStub) this.stubRx.handling(fromStub.buffer, this.clock.cursor);
      this.flash.flush();
      const waitMs = this.clock.cursor - now;
      if (waitMs > 0) {
        this.busy = true;
        const gen = this.generation;
        this.host.schedule(waitMs, () => {
          if (gen !== this.generation) return;
          this.busy = false;
          this.drain();
        });
      }
    }
  }

  /** Runs `fn` when the CPU's modeled time reaches the current cursor (now, without timing). */
  private atCursor(fn: () => void): void {
    const delay = this.clock.cursor - this.host.now();
    if (delay <= 0) {
      fn();
      return;
    }
    const gen = this.generation;
    this.host.schedule(delay, () => {
      if (gen === this.generation) fn();
    });
  }

  private emit(packet: Uint8Array): void {
    this.atCursor(() => this.host.send(packet));
  }

  private leaveDownloadMode(): void {
    this.halted = true;
    this.queue = [];
    this.atCursor(() => this.host.runUserCode());
  }

  private process(packet: Uint8Array): void {
    if (this.reader && !this.reader.done) {
      this.reader.receive(packet);
      return;
    }
    const cmd = decodeCommand(packet);
    // Anything that is not a command (noise, a stray acknowledgement) gets no answer from either loader.
    if (!cmd) return;
    if (this.currentMode === 'rom') this.handleRom(cmd);
    else this.handleStub(cmd);
  }

  // ---- ROM loader -------------------------------------------------------------------------------

  private romReply(op: number, error = 0, data: Uint8Array = new Uint8Array(0), value = this.replyValue): void {
    const tail = statusTail('rom', this.chip.rom.statusBytes, error);
    this.lastHeader = { op, value, copies: 1 };
    this.emit(buildReply(op, value, data, tail));
  }

  /**
   * The ROM's answer to a command it does not have: it re-sends its previous reply's header (opcode and
   * value of that reply, not of this command) with status 1 / error 5, as many times as it sent that
   * reply (8 after a SYNC). traces/esp32-rom-chip-id, esp32-rom-security-info, esp8266-ejsstub-write.
   */
  private romUnsupported(): void {
    const { op, value, copies } = this.lastHeader;
    const tail = statusTail('rom', this.chip.rom.statusBytes, ROM_ERR.INVALID_MESSAGE);
    for (let i = 0; i < copies; i++) this.emit(buildReply(op, value, new Uint8Array(0), tail));
  }

  private handleRom(cmd: DecodedCommand): void {
    const rom = this.chip.rom;
    if (this.identity.secureDownload && !SECURE_DOWNLOAD_ALLOWED.has(cmd.op)) {
      this.romUnsupported();
      return;
    }
    const d = cmd.data;
    switch (cmd.op) {
      case Op.SYNC:
        return this.romSync(d);
      case Op.READ_REG: {
        if (d.length !== 4) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.replyValue = this.regs.read(readU32(d, 0));
        return this.romReply(cmd.op);
      }
      case Op.WRITE_REG:
        if (d.length === 0 || d.length % 16 !== 0) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.writeRegs(d);
        return this.romReply(cmd.op);
      case Op.SPI_ATTACH:
        if (rom.spiAttachWords === 0) return this.romUnsupported();
        if (d.length !== rom.spiAttachWords * 4) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.replyValue = 0;
        return this.romReply(cmd.op);
      case Op.SPI_SET_PARAMS:
        if (d.length !== 24) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.replyValue = 0;
        return this.romReply(cmd.op);
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.romFlashBegin(cmd);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
        return this.romFlashData(cmd);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.romFlashEnd(cmd);
      case Op.MEM_BEGIN:
        if (d.length !== 16) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.ram.begin(readU32(d, 0), readU32(d, 8), readU32(d, 12));
        return this.romReply(cmd.op);
      case Op.MEM_DATA:
        return this.romMemData(cmd);
      case Op.MEM_END:
        return this.memEnd(cmd);
      case Op.CHANGE_BAUDRATE:
        if (!rom.supportsChangeBaud) return this.romUnsupported();
        if (d.length !== 8) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        this.romReply(cmd.op);
        return this.changeBaud(readU32(d, 0));
      case Op.SPI_FLASH_MD5:
        return this.romMd5(cmd);
      case Op.GET_SECURITY_INFO:
        if (!rom.supportsSecurityInfo) return this.romUnsupported();
        if (d.length !== 0) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
        return this.romReply(cmd.op, 0, securityInfo(this.chip, this.identity));
      default:
        return this.romUnsupported();
    }
  }

  private romSync(d: Uint8Array): void {
    // A SYNC whose pattern is wrong never locks the ROM's auto-baud: no answer at all.
    if (!bytesEqual(d, SYNC_PAYLOAD)) return;
    const tail = statusTail('rom', this.chip.rom.statusBytes, 0);
    const reply = buildReply(Op.SYNC, SYNC_REPLY_VALUE, new Uint8Array(0), tail);
    for (let i = 0; i < SYNC_REPLIES; i++) this.emit(reply);
    this.lastHeader = { op: Op.SYNC, value: SYNC_REPLY_VALUE, copies: SYNC_REPLIES };
    if (this.chip.rom.syncLeavesReplyValue) this.replyValue = SYNC_REPLY_VALUE;
  }

  private romFlashBegin(cmd: DecodedCommand): void {
    const rom = this.chip.rom;
    const compressed = cmd.op === Op.FLASH_DEFL_BEGIN;
    if (compressed && !rom.supportsDeflate) return this.romUnsupported();
    if (cmd.data.length !== rom.flashBeginWords * 4) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    const [eraseSize, blocks, blockSize, offset] = words(cmd.data, 4);
    const error = this.romWriter.begin({ eraseSize, blocks, blockSize, offset }, compressed);
    // The erase routine's result (0) stays in the reply buffer; with nothing to erase it is not called
    // (traces/esp8266-rom-write: the first, empty FLASH_BEGIN still shows the boot-time value).
    if (eraseSize > 0) this.replyValue = 0;
    this.romReply(cmd.op, error);
  }

  private romFlashData(cmd: DecodedCommand): void {
    const compressed = cmd.op === Op.FLASH_DEFL_DATA;
    if (compressed && !this.chip.rom.supportsDeflate) return this.romUnsupported();
    const block = dataBlock(cmd.data);
    if (!block) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    if (checksum(block.payload) !== (cmd.checksum & 0xff)) return this.romReply(cmd.op, ROM_ERR.BAD_CHECKSUM);
    const error = this.romWriter.data(block.seq, block.payload, compressed);
    this.replyValue = 0;
    this.romReply(cmd.op, error);
  }

  private romFlashEnd(cmd: DecodedCommand): void {
    if (cmd.op === Op.FLASH_DEFL_END && !this.chip.rom.supportsDeflate) return this.romUnsupported();
    if (cmd.data.length !== 4) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    const error = this.romWriter.finish();
    this.romReply(cmd.op, error);
    // 0 = reboot, 1 = run the application: either way the chip leaves the loader.
    if (error === 0) this.leaveDownloadMode();
  }

  private romMemData(cmd: DecodedCommand): void {
    const block = dataBlock(cmd.data);
    if (!block) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    if (checksum(block.payload) !== (cmd.checksum & 0xff)) return this.romReply(cmd.op, ROM_ERR.BAD_CHECKSUM);
    const ok = this.ram.data(block.seq, block.payload);
    this.romReply(cmd.op, ok ? 0 : ROM_ERR.INVALID_MESSAGE);
  }

  private romMd5(cmd: DecodedCommand): void {
    if (!this.chip.rom.supportsMd5) return this.romUnsupported();
    if (cmd.data.length !== 16) return this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE);
    const [addr, size] = words(cmd.data, 2);
    if (addr + size > this.flash.size) return this.romReply(cmd.op, ROM_ERR.FLASH_READ);
    const digest = md5(this.flash.read(addr, size));
    this.replyValue = 0;
    this.romReply(cmd.op, 0, new TextEncoder().encode(toHex(digest)));
  }

  // ---- both ------------------------------------------------------------------------------------

  private writeRegs(d: Uint8Array): void {
    for (let at = 0; at + 16 <= d.length; at += 16) {
      const [addr, value, mask] = words(d.subarray(at), 3);
      this.regs.write(addr, value, mask);
    }
  }

  private changeBaud(baud: number): void {
    this.regs.setBaud(baud);
    this.uartBaud = baud;
    this.atCursor(() => this.host.changeBaud(baud));
  }

  /** MEM_END: start the stub if that is what RAM holds, else leave for user code when told to jump. */
  private memEnd(cmd: DecodedCommand): void {
    const rom = this.currentMode === 'rom';
    if (cmd.data.length !== 8) {
      return rom ? this.romReply(cmd.op, ROM_ERR.INVALID_MESSAGE) : this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    }
    const [noEntry, entry] = words(cmd.data, 2);
    if (!rom) {
      // The stub checks only that the upload is complete, and jumps whenever the entry is non-zero.
      const error = this.ram.missing() > 0 ? STUB_ERR.NOT_ENOUGH_DATA : 0;
      this.stubReply(cmd.op, error);
      if (error === 0 && entry !== 0) this.leaveDownloadMode();
      return;
    }
    this.romReply(cmd.op);
    if (noEntry !== 0) return;
    const stub = typeof this.stubSource === 'function' ? this.stubSource() : this.stubSource;
    if (stub && isStubUpload(stub, this.ram.uploaded, entry)) {
      this.ram.clear();
      this.currentMode = 'stub';
      this.emit(OHAI);
      // The stub sets up its own SPI defaults and register state when it starts.
      this.stubWriter = new StubFlashWriter(this.flash, this.clock);
    } else {
      this.leaveDownloadMode();
    }
  }

  // ---- flasher stub -------------------------------------------------------------------------------

  private stubReply(op: number, error = 0, data: Uint8Array = new Uint8Array(0), value = 0, status = 0): void {
    this.emit(buildReply(op, value, data, statusTail('stub', 2, error, status)));
  }

  private handleStub(cmd: DecodedCommand): void {
    const d = cmd.data;
    if (d.length > STUB_MAX_FRAME_DATA) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN, undefined, 0, STUB_OVERSIZE_MARK);
    const lenIs = (n: number) => d.length === n;
    switch (cmd.op) {
      case Op.SYNC: {
        // The stub answers SYNC eight times too, with value 0 so a client can tell it is the stub.
        if (!lenIs(36)) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        for (let i = 0; i < SYNC_REPLIES; i++) this.stubReply(cmd.op);
        return;
      }
      case Op.READ_REG:
        if (!lenIs(4)) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        return this.stubReply(cmd.op, 0, undefined, this.regs.read(readU32(d, 0)));
      case Op.WRITE_REG:
        if (d.length % 16 !== 0) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        this.writeRegs(d);
        return this.stubReply(cmd.op);
      case Op.SPI_ATTACH:
        return this.stubReply(cmd.op, lenIs(4) ? 0 : STUB_ERR.BAD_DATA_LEN);
      case Op.SPI_SET_PARAMS:
        return this.stubReply(cmd.op, lenIs(24) ? 0 : STUB_ERR.BAD_DATA_LEN);
      case Op.CHANGE_BAUDRATE:
        if (!lenIs(8)) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        this.stubReply(cmd.op);
        return this.changeBaud(readU32(d, 0));
      case Op.GET_SECURITY_INFO:
        // The stub calls the ROM's routine where the ROM has one (ESP32-S2 and later).
        if (!this.chip.rom.supportsSecurityInfo) return this.stubReply(cmd.op, STUB_ERR.NOT_IMPLEMENTED);
        if (!lenIs(0)) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        return this.stubReply(cmd.op, 0, securityInfo(this.chip, this.identity));
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.stubFlashBegin(cmd);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
        return this.stubFlashData(cmd);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END: {
        const error = this.stubWriter.finish();
        this.stubReply(cmd.op, error);
        // Only 0 ("reboot") makes the stub reset the chip; anything else keeps it in the stub.
        if (error === 0 && d.length >= 4 && readU32(d, 0) === 0) this.leaveDownloadMode();
        return;
      }
      case Op.SPI_FLASH_MD5:
        return this.stubMd5(cmd);
      case Op.ERASE_FLASH:
        if (!lenIs(0)) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        this.flash.eraseAll();
        this.clock.flashBlocking(this.flash.takeCostMs());
        return this.stubReply(cmd.op);
      case Op.ERASE_REGION:
        if (!lenIs(8)) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        return this.stubReply(cmd.op, this.eraseRegion(readU32(d, 0), readU32(d, 4)));
      case Op.READ_FLASH:
        return this.stubReadFlash(cmd);
      case Op.MEM_BEGIN:
        if (!lenIs(16)) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        this.ram.begin(readU32(d, 0), readU32(d, 8), readU32(d, 12));
        return this.stubReply(cmd.op);
      case Op.MEM_DATA: {
        const block = dataBlock(d);
        if (!block) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        if (block.payload.length % 4 !== 0) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        return this.stubReply(cmd.op, this.ram.data(block.seq, block.payload) ? 0 : STUB_ERR.TOO_MUCH_DATA);
      }
      case Op.MEM_END:
        return this.memEnd(cmd);
      case Op.RUN_USER_CODE:
        // No reply: the stub returns into the ROM's boot path.
        return this.leaveDownloadMode();
      default:
        return this.stubReply(cmd.op, STUB_ERR.NOT_IMPLEMENTED);
    }
  }

  private stubFlashBegin(cmd: DecodedCommand): void {
    const d = cmd.data;
    // esptool v5 sends the fifth (encryption) word to the stub too; the stub takes both forms.
    if (d.length !== 16 && d.length !== 20) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    const [size, , blockSize, offset] = words(d, 4);
    if (blockSize > STUB_MAX_WRITE_BLOCK) return this.stubReply(cmd.op, STUB_ERR.BAD_BLOCKSIZE);
    this.stubReply(cmd.op, this.stubWriter.begin(size, offset, cmd.op === Op.FLASH_DEFL_BEGIN));
  }

  /** Acknowledged on receipt; written after the acknowledgement, while the next block arrives. */
  private stubFlashData(cmd: DecodedCommand): void {
    const d = cmd.data;
    const header = d.length >= 16 ? readU32(d, 0) : -1;
    const payload = d.subarray(Math.min(16, d.length));
    const checksumOk = checksum(payload) === (cmd.checksum & 0xff);
    const error = this.stubWriter.ackError(header, payload, checksumOk);
    this.stubReply(cmd.op, error);
    if (error !== 0) return;
    if (cmd.op === Op.FLASH_DEFL_DATA) this.stubWriter.writeCompressed(payload);
    else this.stubWriter.writeBlock(payload);
  }

  private stubMd5(cmd: DecodedCommand): void {
    if (cmd.data.length !== 16) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    const [addr, size] = words(cmd.data, 2);
    if (addr + size > this.flash.size) return this.stubReply(cmd.op, STUB_ERR.MD5_READ_FAILED);
    this.stubReply(cmd.op, 0, md5(this.flash.read(addr, size)));
  }

  /** handle_flash_erase: sectors up to a 64 KiB boundary, then blocks while more than one is left, then sectors. */
  private eraseRegion(addr: number, len: number): number {
    if (addr % SECTOR_SIZE !== 0) return STUB_ERR.ERASE_ADDR_UNALIGNED;
    if (len % SECTOR_SIZE !== 0) return STUB_ERR.ERASE_LEN_UNALIGNED;
    if (addr + len > this.flash.size) return STUB_ERR.FAILED_SPI_OP;
    while (len > 0 && addr % BLOCK64K_SIZE !== 0) {
      this.flash.eraseSector(addr);
      addr += SECTOR_SIZE;
      len -= SECTOR_SIZE;
    }
    while (len > BLOCK64K_SIZE) {
      this.flash.eraseBlock64k(addr);
      addr += BLOCK64K_SIZE;
      len -= BLOCK64K_SIZE;
    }
    while (len > 0) {
      this.flash.eraseSector(addr);
      addr += SECTOR_SIZE;
      len -= SECTOR_SIZE;
    }
    this.clock.flashBlocking(this.flash.takeCostMs());
    return 0;
  }

  private stubReadFlash(cmd: DecodedCommand): void {
    if (cmd.data.length !== 16) return this.stubReply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    const [offset, length, packetSize, maxInFlight] = words(cmd.data, 4);
    this.stubReply(cmd.op);
    if (!ReadFlashStreamer.accepts(packetSize)) return;
    this.reader = new ReadFlashStreamer(this.flash, offset, length, packetSize, maxInFlight, (frame) => this.emit(frame));
    this.reader.start();
  }
}

/** FLASH_DATA / FLASH_DEFL_DATA command frame (direction byte 0, then the opcode). */
function isFlashDataFrame(packet: Uint8Array): boolean {
  return packet.length > 1 && packet[0] === 0 && (packet[1] === Op.FLASH_DATA || packet[1] === Op.FLASH_DEFL_DATA);
}

function words(data: Uint8Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i * 4 + 4 <= data.length ? readU32(data, i * 4) : 0);
  return out;
}

/** *_DATA payload: u32 size, u32 seq, two zero words, then the bytes; undefined if size disagrees. */
function dataBlock(data: Uint8Array): { seq: number; payload: Uint8Array } | undefined {
  if (data.length < 16) return undefined;
  const size = readU32(data, 0);
  const payload = data.subarray(16);
  if (size !== payload.length) return undefined;
  return { seq: readU32(data, 4), payload };
}
