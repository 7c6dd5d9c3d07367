/**
 * The flasher stub's UART receive path (esptool-legacy-flasher-stub, stub_flasher.c `uart_buf_t` and
 * `stub_handle_rx_byte`): the receive interrupt writes bytes into one of TWO frame buffers; when a frame
 * ends, `ub.command` points at it and the interrupt moves on to the other buffer. The main loop takes
 * `ub.command`, acknowledges a data block at once, and then inflates and writes it straight out of that
 * buffer (handle_flash_deflated_data reads `command->data_buf`).
 *
 * So the stub holds at most one frame waiting plus the one being handled. A host that keeps two data
 * blocks in flight makes the third start arriving in the buffer that is still being inflated (its input
 * is overwritten), and if that frame completes before the main loop has taken the waiting one,
 * `ub.command` is overwritten and the waiting frame is never handled. Both happen on a real chip
 * whenever handling a block takes longer than the wire time of the next one; this class says when.
 */

export interface Arrival {
  /** The frame being handled had its buffer written into while it was still being read. */
  readonly overranHandled: boolean;
  /** A frame that was waiting, never taken by the main loop (its `ub.command` pointer was overwritten). */
  readonly dropped: Uint8Array | undefined;
}

export class StubRxBuffers {
  /** Buffer the interrupt writes the next frame into (0 = buf_a, 1 = buf_b). */
  private reading = 0;
  private waiting: { packet: Uint8Array; buffer: number } | undefined;
  private handled: { buffer: number; until: number } | undefined;

  /** A frame finished arriving; its first byte reached the chip at `firstByteAt` (board ms). */
  arrive(packet: Uint8Array, firstByteAt: number): Arrival {
    const buffer = this.reading;
    const h = this.handled;
    const overranHandled = h !== undefined && h.buffer === buffer && firstByteAt < h.until;
    const dropped = this.waiting?.packet;
    this.waiting = { packet, buffer };
    this.reading = 1 - buffer;
    return { overranHandled, dropped };
  }

  /** The main loop takes the waiting frame (undefined when none). */
  take(): { packet: Uint8Array; buffer: number } | undefined {
    const w = this.waiting;
    this.waiting = undefined;
    return w;
  }

  get hasWaiting(): boolean {
    return this.waiting !== undefined;
  }

  /** The main loop reads `buffer` until `until` (the modeled end of handling that frame). */
  handling(buffer: number, until: number): void {
    this.handled = { buffer, until };
  }

  clear(): void {
    this.reading = 0;
    this.waiting = undefined;
    this.handled = undefined;
  }
}

/** SLIP-framed length of a packet (END bytes and escapes), to place its first byte in time. */
export function slipFramedLength(packet: Uint8Array): number {
  let n = 2;
  for (const b of packet) n += b === 0xc0 || b === 0xdb ? 2 : 1;
  return n;
}
