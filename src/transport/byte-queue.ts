import { UpyflashError } from '../errors.js';
import { concatBytes } from '../platform/bytes.js';

/**
 * Received bytes wait here until a reader asks for them. Transports push what their driver hands
 * them; `Transport.read` pulls with a timeout. Kept separate so each transport is only glue.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private waiter: (() => void) | undefined;
  private closedReason: Error | undefined;

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.size += data.length;
    this.wake();
  }

  /** Marks the source as gone: pending and later reads fail once the buffered bytes are used up. */
  close(reason: Error = new UpyflashError('DISCONNECTED')): void {
    this.closedReason ??= reason;
    this.wake();
  }

  /** Re-arms a queue after a transport is reopened. */
  reset(): void {
    this.chunks = [];
    this.size = 0;
    this.closedReason = undefined;
  }

  get available(): number {
    return this.size;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    if (this.size === 0) {
      if (this.closedReason) throw this.closedReason;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          resolve();
        }, Math.max(0, timeoutMs));
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
      if (this.size === 0) {
        if (this.closedReason) throw this.closedReason;
        return new Uint8Array(0);
      }
    }
    return this.take();
  }

  private take(): Uint8Array {
    const out = concatBytes(this.chunks);
    this.chunks = [];
    this.size = 0;
    return out;
  }

  private wake(): void {
    const w = this.waiter;
    if (w) w();
  }
}
