/**
 * The one interface every byte link implements: a Node serial port, raw TCP, RFC 2217, Web Serial, or
 * an in-process pipe to the virtual board. Everything above it speaks only this, so the flasher and the
 * REPL run unchanged in Node and in the browser.
 */

export interface ControlLines {
  /** true = asserted = line at 0 V. On the usual ESP auto-reset circuit DTR drives GPIO0, RTS drives EN. */
  dtr: boolean;
  rts: boolean;
}

export interface TransportCapabilities {
  /** DTR/RTS reach the board (false for raw TCP). */
  readonly controlLines: boolean;
  /** setBaud changes the real link speed (false where baud is meaningless, e.g. raw TCP). */
  readonly baudRate: boolean;
  /**
   * false when setSignals reaches the board one line at a time (RFC 2217 has one command per line):
   * prefer the classic reset there, as esptool does for rfc2217:// ports. Absent means atomic.
   */
  readonly atomicSignals?: boolean;
}

export interface Transport {
  /** What the user named, e.g. `/dev/ttyUSB0`, `socket://127.0.0.1:5555`, `virtual:esp32`. */
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  readonly baud: number;
  open(): Promise<void>;
  close(): Promise<void>;
  write(data: Uint8Array): Promise<void>;
  /**
   * Resolves with the bytes received so far (at least one), waiting up to timeoutMs for the first;
   * resolves with an empty array on timeout. Throws UpyflashError('DISCONNECTED') once the link is gone.
   */
  read(timeoutMs: number): Promise<Uint8Array>;
  /** Sets both lines in one step; never one at a time (see PROTOCOL-NOTES: unix-tight reset). */
  setSignals(lines: ControlLines): Promise<void>;
  setBaud(baud: number): Promise<void>;
  /** Drops whatever has been received and not read yet. */
  flushInput(): Promise<void>;
  /** Resolves once everything written has left the host. */
  drain(): Promise<void>;
  /** The modem input lines, where the link has them (a local serial port); a server passes them on. */
  modemLines?(): Promise<ModemLines>;
}

export interface ModemLines {
  cts: boolean;
  dsr: boolean;
  /** Carrier detect (DCD). */
  cd: boolean;
  ri: boolean;
}
