/**
 * The recorded esptool <-> ROM/stub conversations in shared/traces as test input. `ReplayTransport`
 * plays the chip's side of one recording: every byte the client writes must be the byte esptool wrote
 * at that point (so a client request of another shape fails loudly), and after each recorded host
 * chunk the chip's recorded chunks are handed to the reader exactly as they arrived — same bytes,
 * same chunk boundaries, so SLIP frames split across reads and several frames per read are real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlLines, Transport, TransportCapabilities } from '../../src/transport/transport.js';
import { SlipDecoder } from '../../src/protocol/slip.js';
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
