import { Op } from '../../protocol/opcodes.js';
import { checksum, decodeCommand, type DecodedCommand } from '../../protocol/packet.js';
import { readU32 } from '../../platform/bytes.js';
import { md5 } from '../../platform/hash.js';
import { chargeMd5 } from './md5-cost.js';
import { BLOCK64K_SIZE, SECTOR_SIZE } from '../flash-memory.js';
import { dataBlock, words, type LoaderCore, type LoaderRoom } from './core.js';
import { STUB_MAX_WRITE_BLOCK, StubFlashWriter } from './flash-write-session.js';
import { FrameBufferPair } from './frame-buffers.js';
import { ReadFlashStreamer } from './read-flash.js';
import { buildReply, statusTail, STUB_ERR } from './reply.js';
import { writeRegs } from './rom-loader.js';
import { securityInfo } from './security-info.js';
import { PLUGIN_OPCODES, type StubFamily } from './stub-families.js';
import { slipFramedLength, StubRxBuffers } from './stub-rx-buffers.js';

/**
 * A flasher stub running in RAM after MEM_END, in the behaviour of its family (stub-families.ts):
 * how frames are buffered, when a data block is acknowledged and written, where errors surface, how
 * READ_FLASH paces itself. What is common to both families (framing, two status bytes, the command
 * set) is written once here.
 */

const OHAI = Uint8Array.from([0x4f, 0x48, 0x41, 0x49]);
/** Frames larger than this the legacy stub refuses outright (MAX_WRITE_BLOCK + 16-byte data header). */
const STUB_MAX_FRAME_DATA = STUB_MAX_WRITE_BLOCK + 16;
/** Second status byte the legacy stub sends with an oversized frame. */
const STUB_OVERSIZE_MARK = 0xee;
const OK = 0;

/** The stub jumps to another program (MEM_END from the stub): the loader decides what runs. */
export type StubJump = (entry: number) => void;

export class StubLoader implements LoaderRoom {
  readonly mode = 'stub' as const;
  private readonly writer: StubFlashWriter;
  private readonly legacyRx = new StubRxBuffers();
  private readonly frames: FrameBufferPair;
  /** Frames that bypass the command buffers: READ_FLASH acknowledgements while streaming. */
  private acks: Uint8Array[] = [];
  private reader: ReadFlashStreamer | undefined;
  private handledBuffer: number | undefined;
  /** esp-flasher-stub `accumulated_result`: a post-processing error waiting for the next command. */
  private carried = OK;
  /** esp-flasher-stub keeps its own RAM-load state (s_memory_state). */
  private memRemaining: number | undefined;
  /** When the previous frame's last byte arrived (the stub's start before any). */
  private lastArrival: number;

  constructor(
    private readonly core: LoaderCore,
    readonly family: StubFamily,
    private readonly jump: StubJump,
  ) {
    const fb = family.rx === 'frame-buffers';
    this.writer = new StubFlashWriter(core.flash, core.clock, {
      blankSectorSkip: family.blankSectorSkip,
      eraseAhead: family.eraseAhead,
      eraseOnBegin: fb,
      ...(core.flashFaults ? { faults: core.flashFaults } : {}),
    });
    this.frames = new FrameBufferPair(core.host.now());
    this.lastArrival = core.host.now();
  }

  /** esp_main: on ESP32/S2/P4 v1.1+ re-programs the UART for the ROM's recorded baud, then greets. */
  start(): void {
    const core = this.core;
    if (this.family.resetsUartToRomBaud && core.board.flasherStubResetsUartToRomBaud) {
      // stub_lib_clock_init raises the UART's source clock first, then the divider is set for the ROM's baud.
      if (core.board.stubUartClockMHz !== undefined) core.setUartClock(core.board.stubUartClockMHz);
      const rom = core.regs.romRecordedBaud || 115200;
      if (rom !== core.uartBaud) core.changeBaud(rom);
    }
    core.emit(OHAI);
  }

  /** Frames the stub has lost since it started (esp-flasher-stub: no armed buffer when they began). */
  get lostFrames(): number {
    return this.frames.lost;
  }

  accept(packet: Uint8Array): void {
    if (this.reader && !this.reader.done) {
      this.acks.push(packet);
      return;
    }
    const now = this.core.host.now();
    const firstByteAt = now - (slipFramedLength(packet) * 10_000) / this.core.uartBaud;
    if (this.family.rx === 'frame-buffers') {
      /*
       * Frames do not overlap on the wire, and a host that waited for a reply sent nothing before it:
       * without a modeled link (an in-process host) the size-based estimate alone would put the first
       * byte before the reply that prompted it.
       */
      this.frames.arrive(packet, Math.max(firstByteAt, this.lastArrival, this.core.lastSendAt));
      this.lastArrival = now;
      return;
    }
    /*
     * Legacy: a frame overwriting the buffer being handled corrupts what the inflater reads; one
     * replacing a waiting frame drops it (stub-rx-buffers.ts).
     */
    const { overranHandled, dropped } = this.legacyRx.arrive(packet, firstByteAt);
    if (overranHandled) this.writer.inputOverrun();
    if (dropped && isFlashDataFrame(dropped)) this.writer.blockLost();
  }

  take(): Uint8Array | undefined {
    const ack = this.acks.shift();
    if (ack) return ack;
    if (this.family.rx === 'frame-buffers') return this.frames.take(this.core.host.now());
    const t = this.legacyRx.take();
    this.handledBuffer = t?.buffer;
    return t?.packet;
  }

  release(): void {
    if (this.family.rx === 'frame-buffers') this.frames.release();
    else if (this.handledBuffer !== undefined) this.legacyRx.handling(this.handledBuffer, this.core.clock.cursor);
    this.handledBuffer = undefined;
  }

  handle(packet: Uint8Array): void {
    if (this.reader && !this.reader.done) {
      this.reader.receive(packet);
      return;
    }
    const cmd = this.decode(packet);
    if (!cmd) return;
    if (this.carried !== OK) {
      // handle_command: a post-processing error answers the next command, which is not executed.
      const error = this.carried;
      this.carried = OK;
      return this.reply(cmd.op, error);
    }
    this.dispatch(cmd);
  }

  /** Frame checks before the command switch; undefined when nothing is to be done. */
  private decode(packet: Uint8Array): DecodedCommand | undefined {
    const cmd = decodeCommand(packet);
    if (this.family.rx === 'legacy') {
      if (cmd && cmd.data.length > STUB_MAX_FRAME_DATA) {
        this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN, undefined, 0, STUB_OVERSIZE_MARK);
        return undefined;
      }
      return cmd;
    }
    // handle_command: a response-direction frame or a size that disagrees is answered, not run.
    if (packet.length >= 2 && packet[0] !== 0) {
      this.reply(packet[1]!, STUB_ERR.INVALID_COMMAND);
      return undefined;
    }
    if (cmd && cmd.data.length !== packet.length - 8) {
      this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
      return undefined;
    }
    return cmd;
  }

  private reply(op: number, error = OK, data: Uint8Array = new Uint8Array(0), value = 0, status = 0): void {
    this.core.emit(buildReply(op, value, data, statusTail('stub', 2, error, status)));
  }

  private get modern(): boolean {
    return this.family.deferredErrors === 'next-command';
  }

  private dispatch(cmd: DecodedCommand): void {
    const d = cmd.data;
    const core = this.core;
    const lenIs = (n: number) => d.length === n;
    switch (cmd.op) {
      case Op.SYNC:
        // Eight replies with value 0, so a client can tell it is the stub (command_handler.c s_sync).
        if (!lenIs(36)) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        for (let i = 0; i < core.board.syncReplies; i++) this.reply(cmd.op);
        return;
      case Op.READ_REG:
        if (!lenIs(4)) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        return this.reply(cmd.op, OK, undefined, core.regs.read(readU32(d, 0)));
      case Op.WRITE_REG:
        if (this.modern ? d.length === 0 || d.length % 16 !== 0 : d.length % 16 !== 0) {
          return this.reply(cmd.op, this.modern ? STUB_ERR.NOT_ENOUGH_DATA : STUB_ERR.BAD_DATA_LEN);
        }
        if (writeRegs(core, d)) {
          this.reply(cmd.op);
          return core.leaveDownloadMode();
        }
        return this.reply(cmd.op);
      case Op.SPI_ATTACH:
        return this.reply(cmd.op, lenIs(4) ? OK : STUB_ERR.BAD_DATA_LEN);
      case Op.SPI_SET_PARAMS:
        return this.reply(cmd.op, lenIs(24) ? OK : STUB_ERR.BAD_DATA_LEN);
      case Op.CHANGE_BAUDRATE:
        if (!lenIs(8)) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        this.reply(cmd.op);
        return core.changeBaud(readU32(d, 0));
      case Op.GET_SECURITY_INFO:
        if (!lenIs(0)) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        // Both families call the ROM's routine; a ROM without one (ESP32, ESP8266) gives "not implemented".
        if (!core.board.rom.securityInfo) return this.reply(cmd.op, STUB_ERR.NOT_IMPLEMENTED);
        return this.reply(cmd.op, OK, securityInfo(core.board, core.identity));
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.flashBegin(cmd);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
        return this.flashData(cmd);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.flashEnd(cmd);
      case Op.SPI_FLASH_MD5:
        return this.md5(cmd);
      case Op.ERASE_FLASH:
        if (!this.modern && !lenIs(0)) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        core.flash.eraseAll();
        core.clock.flashBlocking(core.flash.takeCostMs());
        return this.reply(cmd.op);
      case Op.ERASE_REGION:
        if (!lenIs(8)) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
        return this.reply(cmd.op, this.eraseRegion(readU32(d, 0), readU32(d, 4)));
      case Op.READ_FLASH:
        return this.readFlash(cmd);
      case Op.MEM_BEGIN:
        return this.memBegin(cmd);
      case Op.MEM_DATA:
        return this.memData(cmd);
      case Op.MEM_END:
        return this.memEnd(cmd);
      case Op.RUN_USER_CODE:
        // No reply either way; only the legacy stub actually returns into the boot path.
        if (this.family.runUserCodeLeaves) core.leaveDownloadMode();
        return;
      default: {
        const plugin = cmd.op >= PLUGIN_OPCODES.first && cmd.op <= PLUGIN_OPCODES.last;
        return this.reply(cmd.op, this.modern && plugin ? STUB_ERR.NOT_IMPLEMENTED : this.family.unknownCommandError);
      }
    }
  }

  private flashBegin(cmd: DecodedCommand): void {
    const d = cmd.data;
    // esptool v5 sends the fifth (encryption) word to the stub too; both families take both forms.
    if (d.length !== 16 && d.length !== 20) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    const [size, , blockSize, offset] = words(d, 4);
    if (!this.modern && blockSize! > STUB_MAX_WRITE_BLOCK) return this.reply(cmd.op, STUB_ERR.BAD_BLOCKSIZE);
    this.reply(cmd.op, this.writer.begin(size!, offset!, cmd.op === Op.FLASH_DEFL_BEGIN));
  }

  /** Acknowledged when taken up; inflated and written after the reply, while the next block arrives. */
  private flashData(cmd: DecodedCommand): void {
    const d = cmd.data;
    const compressed = cmd.op === Op.FLASH_DEFL_DATA;
    const error = this.modern ? this.modernAckError(cmd, compressed) : this.legacyAckError(cmd);
    this.reply(cmd.op, error);
    if (error !== OK) return;
    const payload = d.subarray(16);
    const late = compressed ? this.writer.writeCompressed(payload) : this.writer.writeBlock(payload);
    if (this.modern) this.carried = late;
  }

  /** stub_flasher.c: the acknowledgement carries the last write's error unless this block is bad. */
  private legacyAckError(cmd: DecodedCommand): number {
    const d = cmd.data;
    const header = d.length >= 16 ? readU32(d, 0) : -1;
    const payload = d.subarray(Math.min(16, d.length));
    const checksumOk = checksum(payload) === (cmd.checksum & 0xff);
    return this.writer.ackError(header, payload, checksumOk);
  }

  /** command_handler.c s_flash_data / s_flash_defl_data: checks before the reply. */
  private modernAckError(cmd: DecodedCommand, compressed: boolean): number {
    const d = cmd.data;
    if (d.length < 16) return compressed ? STUB_ERR.BAD_DATA_LEN : STUB_ERR.NOT_ENOUGH_DATA;
    if (!this.writer.active) return STUB_ERR.NOT_IN_FLASH_MODE;
    const declared = readU32(d, 0);
    const payload = d.subarray(16);
    if (!compressed && declared !== payload.length) return STUB_ERR.TOO_MUCH_DATA;
    // The deflate variant checksums the declared length of data (s_validate_checksum(data, data_size)).
    const summed = compressed ? payload.subarray(0, declared) : payload;
    if (checksum(summed) !== (cmd.checksum & 0xff)) return STUB_ERR.BAD_DATA_CHECKSUM;
    return OK;
  }

  private flashEnd(cmd: DecodedCommand): void {
    const d = cmd.data;
    if (this.modern && d.length !== 4) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    const error = this.writer.finish(this.family.flashEndShortError);
    this.reply(cmd.op, error);
    // Legacy: 0 ("reboot") resets the chip. esp-flasher-stub: "TODO: Implement reboot", it stays.
    if (this.family.flashEndReboots && error === OK && d.length >= 4 && readU32(d, 0) === 0) this.core.leaveDownloadMode();
  }

  private md5(cmd: DecodedCommand): void {
    if (cmd.data.length !== 16) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    const [addr, size] = words(cmd.data, 2);
    if (addr! + size! > this.core.flash.size) return this.reply(cmd.op, this.family.md5ReadError);
    const digest = md5(this.core.flash.read(addr!, size!));
    // Read and digested at the clock the stub raised the CPU to (md5-cost.ts).
    chargeMd5(this.core, size!, this.core.board.stubCpuMHz ?? this.core.identity.crystalMHz);
    this.reply(cmd.op, OK, digest);
  }

  /** Sectors up to a 64 KiB boundary, then blocks while more than one is left, then sectors. */
  private eraseRegion(addr: number, len: number): number {
    const flash = this.core.flash;
    const [addrError, lenError] = this.family.eraseUnalignedErrors;
    if (addr % SECTOR_SIZE !== 0) return addrError;
    if (len % SECTOR_SIZE !== 0) return lenError;
    if (addr + len > flash.size) return STUB_ERR.FAILED_SPI_OP;
    while (len > 0 && addr % BLOCK64K_SIZE !== 0) {
      flash.eraseSector(addr);
      addr += SECTOR_SIZE;
      len -= SECTOR_SIZE;
    }
    while (len > BLOCK64K_SIZE) {
      flash.eraseBlock64k(addr);
      addr += BLOCK64K_SIZE;
      len -= BLOCK64K_SIZE;
    }
    while (len > 0) {
      flash.eraseSector(addr);
      addr += SECTOR_SIZE;
      len -= SECTOR_SIZE;
    }
    this.core.clock.flashBlocking(flash.takeCostMs());
    return OK;
  }

  private readFlash(cmd: DecodedCommand): void {
    if (cmd.data.length !== 16) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    const [offset, length, packetSize, maxInFlight] = words(cmd.data, 4);
    this.reply(cmd.op);
    if (!ReadFlashStreamer.accepts(packetSize!)) {
      // Legacy: returns without a word. esp-flasher-stub: the post-process fails, the next command hears it.
      if (this.modern) this.carried = STUB_ERR.BAD_DATA_LEN;
      return;
    }
    const emit = (frame: Uint8Array) => this.core.emit(frame);
    this.reader = new ReadFlashStreamer(this.core.flash, offset!, length!, packetSize!, maxInFlight!, emit, this.family.readFlashWindow);
    this.reader.start();
  }

  private memBegin(cmd: DecodedCommand): void {
    const d = cmd.data;
    if (d.length !== 16) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    this.core.ram.begin(readU32(d, 0), readU32(d, 8), readU32(d, 12));
    this.memRemaining = readU32(d, 0);
    this.reply(cmd.op);
  }

  private memData(cmd: DecodedCommand): void {
    const d = cmd.data;
    if (!this.modern) {
      const block = dataBlock(d);
      if (!block || block.payload.length % 4 !== 0) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
      return this.reply(cmd.op, this.core.ram.data(block.seq, block.payload) ? OK : STUB_ERR.TOO_MUCH_DATA);
    }
    // s_mem_data: no checksum or sequence check; the bytes go where the previous block ended.
    if (d.length < 16) return this.reply(cmd.op, STUB_ERR.NOT_ENOUGH_DATA);
    if (this.memRemaining === undefined) return this.reply(cmd.op, STUB_ERR.NOT_IN_FLASH_MODE);
    const declared = readU32(d, 0);
    const payload = d.subarray(16);
    if (this.memRemaining < declared || declared !== payload.length) return this.reply(cmd.op, STUB_ERR.TOO_MUCH_DATA);
    this.core.ram.append(payload);
    this.memRemaining -= payload.length;
    this.reply(cmd.op);
  }

  private memEnd(cmd: DecodedCommand): void {
    const d = cmd.data;
    if (d.length !== 8) return this.reply(cmd.op, STUB_ERR.BAD_DATA_LEN);
    const [flag, entry] = words(d, 2);
    if (this.modern) {
      if (this.memRemaining === undefined) return this.reply(cmd.op, STUB_ERR.NOT_IN_FLASH_MODE);
      this.memRemaining = undefined;
      this.reply(cmd.op);
      if (flag === 0) this.jump(entry!);
      return;
    }
    // Legacy: checks only that the upload is complete, and jumps whenever the entry is non-zero.
    const error = this.core.ram.missing() > 0 ? STUB_ERR.NOT_ENOUGH_DATA : OK;
    this.reply(cmd.op, error);
    if (error === OK && entry !== 0) this.jump(entry!);
  }
}

/** FLASH_DATA / FLASH_DEFL_DATA command frame (direction byte 0, then the opcode). */
function isFlashDataFrame(packet: Uint8Array): boolean {
  return packet.length > 1 && packet[0] === 0 && (packet[1] === Op.FLASH_DATA || packet[1] === Op.FLASH_DEFL_DATA);
}
