import type { ControlLines } from './transport.js';

/**
 * The board's side of a UART: what a host (in-process transport, TCP server, RFC 2217 server, the web
 * page's demo) plugs into. Bytes from the host go in through `write`; bytes from the chip come out
 * through the `onData` listener. Control lines and baud rate are the host's, as a USB-serial bridge
 * would present them to the board.
 */
export interface BoardEndpoint {
  write(data: Uint8Array): void;
  setSignals(lines: ControlLines): void;
  setBaud(baud: number): void;
  onData(listener: (data: Uint8Array) => void): void;
  close(): void;
  /**
   * The board side ended the link (another host took the board over, or a test fault cut the cable);
   * optional so that simple endpoints need not implement it.
   */
  onClose?(listener: () => void): void;
  /**
   * The modem input lines as RFC 2217 NOTIFY_MODEMSTATE carries them (CTS 0x10, DSR 0x20, RI 0x40,
   * CD 0x80); absent: none wired, all read off.
   */
  modemState?(): number | Promise<number>;
}
