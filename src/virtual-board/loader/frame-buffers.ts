/**
 * esp-flasher-stub's receive path (src/frame_buffer.c, src/transport.c `slip_recv_poll`): two frame
 * buffers with fixed roles, one the RX interrupt fills and one the main loop handles. The interrupt
 * only writes into a buffer the main loop armed (`frame_buffer_acquire` via `slip_rearm`), and the
 * main loop arms one only when it polls for a frame: when a frame completes the interrupt has nowhere
 * to put the next one until then (slip.h: "the ISR will discard incoming frames until slip_rearm() is
 * called again"). A buffer stays busy until the main loop releases it after handle_command returns,
 * which includes the post-processing (inflate and write) that follows the reply.
 *
 * So unlike the legacy stub nothing is ever overwritten: a host with two blocks in flight makes the
 * third block start arriving while one buffer is being handled and the other holds a waiting frame,
 * and that third frame is lost whole (no reply ever comes for it).
 */
export class FrameBufferPair {
  private readonly complete: (Uint8Array | undefined)[] = [undefined, undefined];
  private rx = 0;
  /** When the buffer `rx` was armed; undefined while the interrupt has no buffer. */
  private armedAt: number | undefined;
  private proc: number | undefined;
  /** Frames dropped since the stub started (for tests and diagnostics). */
  lost = 0;

  constructor(startedAt: number) {
    // esp_main arms the first buffer before it greets (stub_transport_init).
    this.armedAt = startedAt;
  }

  /** A frame's last byte arrived; its first byte reached the chip at `firstByteAt`. */
  arrive(packet: Uint8Array, firstByteAt: number): boolean {
    if (this.armedAt === undefined || this.armedAt > firstByteAt) {
      this.lost++;
      return false;
    }
    this.complete[this.rx] = packet;
    this.armedAt = undefined;
    return true;
  }

  /** The main loop polls at `now`: takes a complete frame (the other buffer first) and re-arms. */
  take(now: number): Uint8Array | undefined {
    const other = 1 - this.rx;
    const pick = this.complete[other] ? other : this.complete[this.rx] ? this.rx : undefined;
    if (pick === undefined) return undefined;
    this.proc = pick;
    this.rearm(now);
    return this.complete[pick];
  }

  /** handle_command returned: the handled buffer is free again (frame_buffer_reset). */
  release(): void {
    if (this.proc === undefined) return;
    this.complete[this.proc] = undefined;
    this.proc = undefined;
  }

  /** frame_buffer_acquire: keep the RX buffer if it is free, else switch to the other if that is free. */
  private rearm(now: number): void {
    if (this.complete[this.rx] || this.rx === this.proc) {
      const other = 1 - this.rx;
      if (this.complete[other] || other === this.proc) {
        this.armedAt = undefined;
        return;
      }
      this.rx = other;
      this.armedAt = now;
      return;
    }
    this.armedAt ??= now;
  }
}
