/**
 * Reads a REPL conversation off a Transport: "up to and including this marker", "exactly n bytes",
 * "whatever arrives until the line goes quiet". Bytes read past a marker stay buffered for the next call.
 */
import { UpyflashError } from '../errors.js';
import { concatBytes, latin1Bytes, latin1String } from '../platform/bytes.js';
import type { Transport } from '../transport/transport.js';

/** How long one Transport.read waits when the caller has no deadline (then it simply reads again). */
const POLL_MS = 1000;

export class ByteReader {
  private buffer: Uint8Array = new Uint8Array(0);

  constructor(private readonly transport: Transport) {}

  /** Everything received and not yet consumed (for diagnostics). */
  peek(): Uint8Array {
    return this.buffer;
  }

  discard(): void {
    this.buffer = new Uint8Array(0);
  }

  /**
   * Resolves with the bytes up to and including `marker`. `onData` sees the bytes before the marker as
   * they arrive (for streaming a program's output). timeoutMs undefined waits as long as it takes.
   */
  async readUntil(
    marker: Uint8Array | string,
    timeoutMs: number | undefined,
    what: string,
    onData?: (data: Uint8Array) => void,
  ): Promise<Uint8Array> {
    const m = typeof marker === 'string' ? latin1Bytes(marker) : marker;
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    let streamed = 0;
    for (;;) {
      const at = indexOf(this.buffer, m);
      if (at >= 0) {
        const end = at + m.length;
        if (onData && at > streamed) onData(this.buffer.slice(streamed, at));
        const out = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return out;
      }
      if (onData) {
        // Hold back what could be the start of the marker.
        const safe = Math.max(streamed, this.buffer.length - (m.length - 1));
        if (safe > streamed) onData(this.buffer.slice(streamed, safe));
        streamed = safe;
      }
      await this.fill(deadline, what);
    }
  }

  async readExact(n: number, timeoutMs: number, what: string): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length < n) await this.fill(deadline, what);
    const out = this.buffer.slice(0, n);
    this.buffer = this.buffer.slice(n);
    return out;
  }

  /** True when at least one byte is waiting (reads what already arrived without blocking long). */
  async hasData(): Promise<boolean> {
    if (this.buffer.length > 0) return true;
    const got = await this.transport.read(0);
    if (got.length > 0) this.buffer = concatBytes([this.buffer, got]);
    return this.buffer.length > 0;
  }

  /** Reads until nothing arrives for quietMs (or maxMs passed); returns and consumes all of it. */
  async drain(quietMs: number, maxMs: number): Promise<Uint8Array> {
    const end = Date.now() + maxMs;
    for (;;) {
      const left = end - Date.now();
      if (left <= 0) break;
      const got = await this.transport.read(Math.min(quietMs, left));
      if (got.length === 0) break;
      this.buffer = concatBytes([this.buffer, got]);
    }
    const out = this.buffer;
    this.buffer = new Uint8Array(0);
    return out;
  }

  private async fill(deadline: number | undefined, what: string): Promise<void> {
    const left = deadline === undefined ? POLL_MS : deadline - Date.now();
    if (left <= 0) throw this.timeout(what);
    const got = await this.transport.read(Math.min(left, POLL_MS));
    if (got.length > 0) this.buffer = concatBytes([this.buffer, got]);
    else if (deadline !== undefined && Date.now() >= deadline) throw this.timeout(what);
  }

  private timeout(what: string): UpyflashError {
    const tail = latin1String(this.buffer.slice(-200));
    return new UpyflashError('REPL_ERROR', `Timed out waiting for ${what}${tail ? `; the board sent: ${JSON.stringify(tail)}` : ''}`, {
      details: { waitingFor: what, received: tail },
    });
  }
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
