import { readU32 } from '../../platform/bytes.js';
import { md5 } from '../../platform/hash.js';
import { SECTOR_SIZE, type FlashMemory } from '../flash-memory.js';

/**
 * The stub's READ_FLASH (handle_flash_read): after the command's reply it streams raw frames of
 * `packetSize` bytes, never more than `maxInFlight` bytes ahead of what the host acknowledged; the host
 * acknowledges with the total it received (u32). When everything is acknowledged, a 16-byte MD5 of
 * the data follows. Any frame that is not a 4-byte acknowledgement ends the transfer early (the stub's
 * SLIP_recv returns a wrong length), and the MD5 of what was sent still goes out.
 *
 * Window: the legacy stub reads the host's max-in-flight as a byte count (so esptool's 64 means one
 * 4 KiB packet at a time, traces/esp32-legacystub-read); esp-flasher-stub ignores it and keeps exactly
 * one packet unacknowledged (command_handler.c s_read_flash_post_process, max_unacked_packets = 1;
 * traces/esp32-stub-read-flash). It ends when the acknowledged total reaches the length.
 */
export class ReadFlashStreamer {
  private sent = 0;
  private acked = 0;
  private sentPackets = 0;
  private ackedPackets = 0;
  private readonly hashed: Uint8Array[] = [];
  private finished = false;

  constructor(
    private readonly flash: FlashMemory,
    private readonly offset: number,
    private readonly length: number,
    private readonly packetSize: number,
    private readonly maxInFlight: number,
    private readonly send: (frame: Uint8Array) => void,
    private readonly window: 'bytes' | 'one-packet' = 'bytes',
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
    this.ackedPackets++;
    if (this.window === 'one-packet') {
      this.pump();
      return;
    }
    if (this.acked > this.sent) {
      // The stub's loop condition (acked <= sent) fails: it stops and sends the digest.
      this.finish();
      return;
    }
    this.pump();
  }

  private windowOpen(): boolean {
    if (this.window === 'one-packet') return this.sentPackets - this.ackedPackets < 1;
    return this.sent - this.acked < this.maxInFlight;
  }

  private pump(): void {
    while (this.sent < this.length && this.windowOpen()) {
      const n = Math.min(this.packetSize, this.length - this.sent);
      const at = this.offset + this.sent;
      if (n <= 0 || at + n > this.flash.size) {
        // SPIRead fails past the end of the flash: the stub stops sending and waits for the last ack.
        break;
      }
      const chunk = this.flash.read(at, n);
      this.hashed.push(chunk);
      this.sent += n;
      this.sentPackets++;
      this.send(chunk);
    }
    if (this.window === 'one-packet') {
      if (this.sent >= this.length && this.acked >= this.length) this.finish();
      return;
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
