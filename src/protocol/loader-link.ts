import type { LoaderDialect } from '../chips/types.js';
import { type LoaderErrorDetails, UpyflashError } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import type { Command } from './commands.js';
import { ROM_ERRORS, ROM_ERR_INVALID_MESSAGE, STUB_ERRORS, STUB_ERR_INVALID_COMMAND, STUB_ERR_NOT_IMPLEMENTED, opName } from './opcodes.js';
import { decodeResponse, encodeCommand } from './packet.js';
import { SlipDecoder, slipEncode } from './slip.js';

export interface Reply {
  readonly op: number;
  readonly value: number;
  /** Payload before the status bytes. */
  readonly data: Uint8Array;
  readonly status: number;
  readonly error: number;
}

/** How long to keep swallowing the copies an ESP32 ROM sends for an unsupported command. */
const UNSUPPORTED_DRAIN_MS = 200;

/**
 * One conversation with a loader (ROM or stub) over a transport: sends commands, collects SLIP frames,
 * matches replies to requests by opcode, and turns status bytes into typed errors. Bytes outside
 * frames (the ROM's boot text) are kept for the connect logic to diagnose.
 */
export class LoaderLink {
  private readonly decoder = new SlipDecoder();
  private readonly frames: Uint8Array[] = [];
  private noiseChunks: Uint8Array[] = [];
  /** Raw frames (non-reply data such as READ_FLASH blocks or OHAI) are read through here too. */
  dialect: LoaderDialect | undefined;
  /** Counters for the bench and diagnostics: SLIP-framed bytes sent, raw bytes received. */
  bytesWritten = 0;
  bytesRead = 0;
  /** SLIP frames received, whole or garbled: something speaks the protocol at this rate. */
  framesRead = 0;

  constructor(readonly transport: Transport, dialect?: LoaderDialect) {
    this.dialect = dialect;
  }

  async write(packet: Uint8Array): Promise<void> {
    const framed = slipEncode(packet);
    this.bytesWritten += framed.length;
    await this.transport.write(framed);
  }

  /** Sends a command without waiting for its reply (for pipelined writes). */
  async send(c: Command): Promise<void> {
    await this.write(encodeCommand(c.op, c.data, c.checksum));
  }

  /** Sends a command and waits for its reply; throws a typed error when the loader refuses it. */
  async command(c: Command): Promise<Reply> {
    await this.send(c);
    return this.expect(c);
  }

  /**
   * Reads until the reply to `c` arrives. Stale replies to earlier commands (extra SYNC answers) are
   * skipped; a reply with another opcode carrying status 1 / error 5 is the ESP32 ROM's way of saying
   * "unsupported" (it repeats the previous header).
   */
  async expect(c: Command, timeoutMs = c.timeoutMs): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.readFrame(deadline - Date.now());
      if (!frame) {
        throw new UpyflashError('TIMEOUT', `No reply to ${opName(c.op)} within ${(timeoutMs / 1000).toFixed(1)} s`, {
          details: { op: c.op },
        });
      }
      const raw = decodeResponse(frame);
      if (!raw) continue;
      if (raw.op !== c.op) {
        if (looksUnsupported(raw.body)) {
          await this.drain(UNSUPPORTED_DRAIN_MS);
          throw unsupported(c.op);
        }
        continue;
      }
      const reply = this.parse(raw.op, raw.value, raw.body, c.replyDataLength);
      if (reply.status !== 0) throw this.failure(c.op, failureCode(reply), reply.status);
      return reply;
    }
  }

  private parse(op: number, value: number, body: Uint8Array, dataLength: number | undefined): Reply {
    const statusAt = dataLength !== undefined ? dataLength : body.length - (this.dialect?.statusBytes ?? 2);
    if (statusAt < 0 || body.length < statusAt + 2) {
      throw new UpyflashError('PROTOCOL_ERROR', `Reply to ${opName(op)} is too short (${body.length} bytes)`);
    }
    return { op, value, data: body.subarray(0, statusAt), status: body[statusAt]!, error: body[statusAt + 1]! };
  }

  private failure(op: number, error: number, status: number): UpyflashError {
    if (error === STUB_ERR_INVALID_COMMAND || error === STUB_ERR_NOT_IMPLEMENTED) return unsupported(op);
    const text = ROM_ERRORS[error] ?? STUB_ERRORS[error] ?? 'unknown error';
    return new UpyflashError('ROM_ERROR', `${opName(op)} failed: ${text} (0x${error.toString(16).padStart(2, '0')})`, {
      details: { op, opName: opName(op), status, error, errorName: text } satisfies LoaderErrorDetails,
    });
  }

  /** Next complete SLIP frame, or undefined on timeout. */
  async readFrame(timeoutMs: number): Promise<Uint8Array | undefined> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      const next = this.frames.shift();
      if (next) return next;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      const chunk = await this.transport.read(left);
      if (chunk.length === 0) return undefined;
      this.feed(chunk);
    }
  }

  private feed(chunk: Uint8Array): void {
    this.bytesRead += chunk.length;
    for (const item of this.decoder.push(chunk)) {
      if (item.kind === 'frame') {
        this.frames.push(item.data);
        this.framesRead++;
      } else this.noiseChunks.push(item.data);
    }
  }

  /** Reads and discards everything for `ms` (stale replies, unsupported-command copies). */
  async drain(ms: number): Promise<void> {
    await this.listen(ms);
    this.frames.length = 0;
  }

  /** Collects bytes for `ms` without expecting frames (the ROM's boot text after a reset). */
  async listen(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      const chunk = await this.transport.read(left);
      if (chunk.length === 0) return;
      this.feed(chunk);
    }
  }

  /** Text seen outside frames since the last call (latin-1), e.g. `rst:0x1 (POWERON_RESET),boot:0x13`. */
  takeNoise(): string {
    let s = '';
    for (const c of this.noiseChunks) for (const b of c) s += String.fromCharCode(b);
    this.noiseChunks = [];
    return s;
  }

  /** Forgets buffered frames and decoder state (after a reset or baud change). */
  reset(): void {
    this.frames.length = 0;
    this.noiseChunks = [];
    this.decoder.reset();
  }
}

/**
 * ROMs answer a failure as (1, error code). The stub sends its error code in the FIRST status byte and
 * a zero after it (stub_flasher.c: `SLIP_send_frame_data(error); SLIP_send_frame_data(status)`), e.g.
 * `ff 00` for an unimplemented command (traces/esp32-stub-read-flash, GET_SECURITY_INFO).
 */
function failureCode(reply: Reply): number {
  return reply.status === 1 ? reply.error : reply.status;
}

function looksUnsupported(body: Uint8Array): boolean {
  // The ROM reuses the previous reply's header; its status bytes are the first two of a 2- or 4-byte body.
  return (body.length === 2 || body.length === 4) && body[0] === 1 && body[1] === ROM_ERR_INVALID_MESSAGE;
}

function unsupported(op: number): UpyflashError {
  return new UpyflashError('UNSUPPORTED_COMMAND', `The loader does not support ${opName(op)}`, { details: { op } });
}
