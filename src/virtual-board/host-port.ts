import type { ControlLines } from '../transport/transport.js';
import type { BoardEndpoint } from '../transport/endpoint.js';

/**
 * The board's end of the USB-serial bridge for one host. A host that connects later takes the board
 * over and this port goes dead (as when another program grabs the port): writes are ignored and its
 * close listeners hear about it.
 */

export interface PortOwner {
  hostWrite(port: HostPort, data: Uint8Array): void;
  hostLines(port: HostPort, lines: ControlLines): void;
  hostClosed(port: HostPort): void;
}

/** The bridge's rate before the host sets one (what a freshly opened port usually has). */
export const DEFAULT_HOST_BAUD = 115200;

export class HostPort implements BoardEndpoint {
  baud = DEFAULT_HOST_BAUD;
  lines: ControlLines = { dtr: false, rts: false };
  private readonly dataListeners: ((data: Uint8Array) => void)[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private attached = true;

  constructor(private readonly owner: PortOwner) {}

  get isAttached(): boolean {
    return this.attached;
  }

  write(data: Uint8Array): void {
    if (this.attached && data.length) this.owner.hostWrite(this, data);
  }

  setSignals(lines: ControlLines): void {
    if (!this.attached) return;
    this.lines = { dtr: lines.dtr, rts: lines.rts };
    this.owner.hostLines(this, this.lines);
  }

  setBaud(baud: number): void {
    if (this.attached && Number.isFinite(baud) && baud > 0) this.baud = baud;
  }

  onData(listener: (data: Uint8Array) => void): void {
    this.dataListeners.push(listener);
  }

  onClose(listener: () => void): void {
    if (!this.attached) queueMicrotask(listener);
    else this.closeListeners.push(listener);
  }

  close(): void {
    if (this.attached) this.owner.hostClosed(this);
  }

  /** Bytes from the chip. */
  deliver(data: Uint8Array): void {
    if (!this.attached) return;
    for (const l of this.dataListeners) l(data);
  }

  /** The board let go of this host (it closed, another host took over, or a fault cut the link). */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    for (const l of this.closeListeners.splice(0)) l();
  }
}
