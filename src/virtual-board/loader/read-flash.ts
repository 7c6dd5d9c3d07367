import { readU32 } from '../../platform/bytes.js';
import { md5 } from '../../platform/hash.js';
import { SECTOR_SIZE, type FlashMemory } from '../flash-memory.js';

/**
 * The stub's READ_FLASH (handle_flash_read): after the command's reply it streams raw frames of
 * `packetSize` bytes, never more than `maxInFlight` bytes ahead of what the host acknowledged; the host
 * acknowledges with the total it received (u32). When everything is acknowledged, a 16-byte MD5 of
 * the data follows. Any frame that is not a 4-byte acknowledgement ends the transfer early (the stub's
 * SLIP_recv returns a wrong length), and the MD5 of what was sent still goes out.
 */
export class ReadFlashStreamer {
  private sent = 0;
  private acked = 0;
  private readonly hashed: Uint8Array[] = [];
  private finished = false;

  constructor(
    private readonly flash: FlashMemory,
    private readonly offset: number,
    private readonly length: number,
    private readonly packetSize: number,
    private readonly maxInFlight: number,
    private readonly send: (frame: Uint8Array) => void,
  ) {}

  /** The stub reads into a one-sector buffer: a bigger packet size makes it return without a word. */
  static accepts(packetSize: number): boolean {
    return packetSize <= SECTOR_SIZE;
  }

  get done(): boolean {
    return this.finished;
  }

  start(): void {
    this.pump();
  }

  /** A frame from the host while streaming. */
  receive(frame: Uint8Array): void {
    if (this.finished) return;
    if (frame.length !== 4) {
      this.finish();
      return;
    }
    this.acked = readU32(frame, 0);
    if (this.acked > this.sent) {
      // The stub's loop condition (acked <= sent) fails: it stops and sends the digest.
      this.finish();
      return;
    }
    this.pump();
  }

  private pump(): void {
    while (this.sent < this.length && this.sent - this.acked < this.maxInFlight) {
      const n = Math.min(this.packetSize, this.length - this.sent);
      const at = this.offset + this.sent;
      if (n <= 0 || at + n > this.flash.size) {
        // SPIRead fails past the end of the flash: the stub stops sending and waits for the last ack.
        break;
      }
      const chunk = this.flash.read(at, n);
      this.hashed.push(chunk);
      this.sent += n;
      this.send(chunk);
    }
    const stalled = this.sent < this.length && this.sent - this.acked < this.maxInFlight;
    if ((this.acked >= this.length) || (stalled && this.acked >= this.sent)) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const all = new Uint8Array(this.sent);
    let o = 0;
    for (const c of this.hashed) {
      all.set(c, o);
      o += c.length;
    }
    this.send(md5(all));
  }
}
