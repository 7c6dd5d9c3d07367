/**
 * SLIP framing as the ESP loaders use it: each packet between two 0xC0 bytes, 0xC0 -> DB DC,
 * 0xDB -> DB DD inside. The decoder is streaming: frames may be split across reads, several may come
 * in one read, and bytes outside frames (boot text, noise) are handed out separately so the connect
 * logic can read the ROM's boot messages.
 */

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

export function slipEncode(packet: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of packet) if (b === SLIP_END || b === SLIP_ESC) extra++;
  const out = new Uint8Array(packet.length + extra + 2);
  let o = 0;
  out[o++] = SLIP_END;
  for (const b of packet) {
    if (b === SLIP_END) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_END;
    } else if (b === SLIP_ESC) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_ESC;
    } else {
      out[o++] = b;
    }
  }
  out[o++] = SLIP_END;
  return out;
}

export type SlipItem = { kind: 'frame'; data: Uint8Array } | { kind: 'noise'; data: Uint8Array };

export class SlipDecoder {
  private inFrame = false;
  private escaped = false;
  private frame: number[] = [];
  private noise: number[] = [];
  /** Escape sequences that were not DB DC / DB DD; the frame is kept but counted for diagnostics. */
  badEscapes = 0;

  /** Feeds received bytes; returns the complete frames and out-of-frame bytes in arrival order. */
  push(data: Uint8Array): SlipItem[] {
    const items: SlipItem[] = [];
    for (const b of data) {
      if (!this.inFrame) {
        if (b === SLIP_END) {
          this.flushNoise(items);
          this.inFrame = true;
          this.frame = [];
          this.escaped = false;
        } else {
          this.noise.push(b);
        }
        continue;
      }
      if (this.escaped) {
        this.escaped = false;
        if (b === SLIP_ESC_END) this.frame.push(SLIP_END);
        else if (b === SLIP_ESC_ESC) this.frame.push(SLIP_ESC);
        else {
          this.badEscapes++;
          this.frame.push(b);
        }
        continue;
      }
      if (b === SLIP_ESC) {
        this.escaped = true;
      } else if (b === SLIP_END) {
        if (this.frame.length === 0) {
          // Two C0 in a row: the second one opens the next frame (back-to-back frames share no byte
          // in esptool's encoding, but a lost byte can make an empty frame look like this).
          continue;
        }
        items.push({ kind: 'frame', data: Uint8Array.from(this.frame) });
        this.frame = [];
        this.inFrame = false;
      } else {
        this.frame.push(b);
      }
    }
    this.flushNoise(items);
    return items;
  }

  reset(): void {
    this.inFrame = false;
    this.escaped = false;
    this.frame = [];
    this.noise = [];
  }

  private flushNoise(items: SlipItem[]): void {
    if (this.noise.length) {
      items.push({ kind: 'noise', data: Uint8Array.from(this.noise) });
      this.noise = [];
    }
  }
}
