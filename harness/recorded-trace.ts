/**
 * The recorded esptool <-> ROM/stub conversations in shared/traces as test input. `ReplayTransport`
 * plays the chip's side of one recording: every byte the client writes must be the byte esptool wrote
 * at that point (so a client request of another shape fails loudly), and after each recorded host
 * chunk the chip's recorded chunks are handed to the reader exactly as they arrived — same bytes,
 * same chunk boundaries, so SLIP frames split across reads and several frames per read are real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlLines, Transport, TransportCapabilities } from '../src/transport/transport.js';
import { ESP32, ESP32C3, ESP8266, type ChipSpec } from '../src/chips/index.js';
import type { LoaderDialect } from '../src/chips/types.js';
import { type Command, commands } from '../src/protocol/commands.js';
import { Op } from '../src/protocol/opcodes.js';
import { decodeCommand, encodeCommand } from '../src/protocol/packet.js';
import { readU32 } from '../src/platform/bytes.js';
import { SlipDecoder } from '../src/protocol/slip.js';
import { tracesDir } from './paths.js';

export interface TraceChunk {
  readonly dir: 'host' | 'chip';
  readonly bytes: Uint8Array;
}

export function readTraceChunks(name: string): TraceChunk[] {
  const lines = readFileSync(join(tracesDir, `${name}.raw.jsonl`), 'utf8').split('\n').filter(Boolean);
  return lines.map((line) => {
    const rec = JSON.parse(line) as { dir: 'host' | 'chip'; hex: string };
    return { dir: rec.dir, bytes: Uint8Array.from(Buffer.from(rec.hex, 'hex')) };
  });
}

/** All SLIP frames one side sent, unescaped, in order (byte-exact, unlike the cut frames.jsonl). */
export function traceFrames(name: string, dir: 'host' | 'chip'): Uint8Array[] {
  const decoder = new SlipDecoder();
  const out: Uint8Array[] = [];
  for (const c of readTraceChunks(name)) {
    if (c.dir !== dir) continue;
    for (const item of decoder.push(c.bytes)) if (item.kind === 'frame') out.push(item.data);
  }
  return out;
}

/** The frames.jsonl view (op names, values) for cross-checks. */
export interface TraceFrameRecord {
  readonly dir: 'host' | 'chip';
  readonly hex: string;
  readonly op?: string;
  readonly value?: string;
  readonly len?: number;
}

export function readTraceFrameRecords(name: string): TraceFrameRecord[] {
  return readFileSync(join(tracesDir, `${name}.frames.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceFrameRecord);
}

export class ReplayTransport implements Transport {
  readonly name: string;
  readonly capabilities: TransportCapabilities = { controlLines: false, baudRate: true };
  baud = 115200;
  /** Chip chunks released and not read yet; each read returns one, as the recording delivered them. */
  private pending: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private index = 0;
  /** Position inside the current host chunk. */
  private hostAt = 0;
  /** Bytes the client wrote, for assertions on what was sent. */
  readonly written: Uint8Array[] = [];

  constructor(
    private readonly chunks: readonly TraceChunk[],
    name = 'replay',
  ) {
    this.name = name;
  }

  static of(trace: string): ReplayTransport {
    return new ReplayTransport(readTraceChunks(trace), `replay:${trace}`);
  }

  async open(): Promise<void> {
    this.releaseChip();
  }
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
  }

  async write(data: Uint8Array): Promise<void> {
    this.written.push(data.slice());
    for (let i = 0; i < data.length; i++) {
      const chunk = this.chunks[this.index];
      if (!chunk || chunk.dir !== 'host') {
        throw new Error(`client wrote byte ${i} of ${hex(data)} after the recorded host bytes ended (chunk ${this.index})`);
      }
      const want = chunk.bytes[this.hostAt]!;
      if (data[i] !== want) {
        throw new Error(
          `client wrote ${hex(data)}; byte ${i} is 0x${hex([data[i]!])} where esptool sent 0x${hex([want])} (recorded chunk ${this.index}: ${hex(chunk.bytes).slice(0, 120)})`,
        );
      }
      this.hostAt++;
      if (this.hostAt === chunk.bytes.length) {
        this.index++;
        this.hostAt = 0;
        this.releaseChip();
      }
    }
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    if (!this.pending.length && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, timeoutMs));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
    return this.pending.shift() ?? new Uint8Array(0);
  }
  async setSignals(_lines: ControlLines): Promise<void> {}
  async setBaud(baud: number): Promise<void> {
    this.baud = baud;
  }
  async flushInput(): Promise<void> {
    this.pending = [];
  }
  async drain(): Promise<void> {}

  /** Host bytes of the recording the client has not written yet. */
  get hostBytesLeft(): number {
    let n = 0;
    for (let i = this.index; i < this.chunks.length; i++) if (this.chunks[i]!.dir === 'host') n += this.chunks[i]!.bytes.length;
    return n - this.hostAt;
  }

  /** Chip chunks not read by the client yet. */
  get chipChunksUnread(): number {
    return this.pending.length;
  }

  /** Hands the reader every recorded chip chunk up to the next host chunk. */
  private releaseChip(): void {
    while (this.index < this.chunks.length && this.chunks[this.index]!.dir === 'chip') {
      this.pending.push(this.chunks[this.index]!.bytes);
      this.index++;
    }
    if (this.pending.length) this.wake?.();
  }
}

function hex(bytes: ArrayLike<number>): string {
  return Buffer.from(Uint8Array.from(bytes)).toString('hex');
}

/**
 * Our typed command (src/protocol/commands.ts) for the request esptool sent in a recorded host frame,
 * built from the frame's arguments. Encoding it must give the recorded bytes back: that is how word
 * counts, block headers and checksums are compared with esptool's for each dialect.
 */
export function ourCommandFor(frame: Uint8Array, dialect: LoaderDialect): Command {
  const c = decodeCommand(frame);
  if (!c) throw new Error(`not a command frame: ${hex(frame).slice(0, 40)}`);
  const w = (i: number) => readU32(c.data, i * 4);
  const block = () => c.data.subarray(16, 16 + w(0));
  switch (c.op) {
    case Op.SYNC:
      return commands.sync();
    case Op.READ_REG:
      return commands.readReg(w(0));
    case Op.WRITE_REG:
      return commands.writeReg(w(0), w(1), w(2), w(3));
    case Op.SPI_ATTACH:
      return commands.spiAttach(dialect, w(0));
    case Op.SPI_SET_PARAMS:
      return commands.spiSetParams(w(1));
    case Op.FLASH_BEGIN:
      return commands.flashBegin(dialect, w(0), w(1), w(2), w(3));
    case Op.FLASH_DATA:
      return commands.flashData(w(1), block());
    case Op.FLASH_END:
      return commands.flashEnd(w(0) === 0);
    case Op.FLASH_DEFL_BEGIN:
      return commands.flashDeflBegin(dialect, w(0), w(1), w(2), w(3));
    case Op.FLASH_DEFL_DATA:
      return commands.flashDeflData(w(1), block());
    case Op.FLASH_DEFL_END:
      return commands.flashDeflEnd(w(0) === 0);
    case Op.MEM_BEGIN:
      return commands.memBegin(w(0), w(1), w(2), w(3));
    case Op.MEM_DATA:
      return commands.memData(w(1), block());
    case Op.MEM_END:
      return commands.memEnd(w(1));
    case Op.CHANGE_BAUDRATE:
      return commands.changeBaud(w(0), w(1));
    case Op.SPI_FLASH_MD5:
      return commands.md5(dialect, w(0), w(1));
    case Op.GET_SECURITY_INFO:
      return commands.securityInfo();
    case Op.ERASE_FLASH:
      return commands.eraseFlash();
    case Op.ERASE_REGION:
      return commands.eraseRegion(w(0), w(1));
    case Op.READ_FLASH:
      return commands.readFlash(w(0), w(1), w(2), w(3));
    default:
      throw new Error(`no typed command for op 0x${c.op.toString(16)}`);
  }
}

/** The wire packet (before SLIP) of one of our commands. */
export function packetOf(c: Command): Uint8Array {
  return encodeCommand(c.op, c.data, c.checksum);
}

export interface Recording {
  readonly name: string;
  readonly chip: ChipSpec;
  /** The stub was already running when the recording started (SYNC answered with value 0). */
  readonly stubFromStart?: boolean;
}

/** The loader conversations in shared/traces and the chip each was recorded with. */
export const RECORDINGS: readonly Recording[] = [
  { name: 'esp32-rom-chip-id', chip: ESP32 },
  { name: 'esp32-rom-flash-id', chip: ESP32 },
  { name: 'esp32-rom-security-info', chip: ESP32 },
  { name: 'esp32-rom-write-deflate', chip: ESP32 },
  { name: 'esp32-rom-verify', chip: ESP32 },
  { name: 'esp32-stub-write-921600', chip: ESP32 },
  { name: 'esp32-stub-read-flash', chip: ESP32, stubFromStart: true },
  { name: 'esp32-stub-erase-region', chip: ESP32, stubFromStart: true },
  { name: 'esp32c3-rom-chip-id', chip: ESP32C3 },
  { name: 'esp32c3-rom-write-deflate', chip: ESP32C3 },
  { name: 'esp8266-rom-chip-id', chip: ESP8266 },
  { name: 'esp8266-rom-flash-id', chip: ESP8266 },
  { name: 'esp8266-rom-write', chip: ESP8266 },
  { name: 'esp8266-ejsstub-write', chip: ESP8266 },
];

/**
 * Sessions in which another client uploaded its own stub (esptool v4.8.1's legacy stub, esptool
 * v5.3.1's esp-flasher-stub v1.0.0). Kept apart from RECORDINGS: they are the virtual board's
 * evidence (loader-traces.test.ts replays them), not shapes our client should send (the legacy stub
 * takes a four-word FLASH_DEFL_BEGIN, for one).
 */
export const OTHER_STUB_RECORDINGS: readonly (Recording & { readonly stub: string })[] = [
  { name: 'esp32-legacystub-write', chip: ESP32, stub: 'legacy stub_flasher.c (esptool v4.8.1)' },
  { name: 'esp32-legacystub-read', chip: ESP32, stub: 'legacy stub_flasher.c (esptool v4.8.1)' },
  { name: 'esp32-flasherstub100-write', chip: ESP32, stub: 'esp-flasher-stub v1.0.0 (esptool v5.3.1)' },
];

export function recording(name: string): Recording {
  const r = RECORDINGS.find((x) => x.name === name);
  if (!r) throw new Error(`no recording ${name}`);
  return r;
}

/** Host command frames of a recording with the dialect in force when each was sent (the stub's after MEM_END). */
export function recordedRequests(r: Recording): { frame: Uint8Array; dialect: LoaderDialect }[] {
  let dialect = r.stubFromStart ? r.chip.stub : r.chip.rom;
  const out: { frame: Uint8Array; dialect: LoaderDialect }[] = [];
  for (const frame of traceFrames(r.name, 'host')) {
    // READ_FLASH acknowledgements are bare 4-byte totals, not commands.
    if (!decodeCommand(frame)) continue;
    out.push({ frame, dialect });
    if (frame[1] === Op.MEM_END) dialect = r.chip.stub;
  }
  return out;
}
