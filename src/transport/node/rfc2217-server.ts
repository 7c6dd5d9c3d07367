import { createServer, type Server, type Socket } from 'node:net';
import type { BoardEndpoint } from '../endpoint.js';
import { ResetRecognizer, type RecognisedReset, type ResetTiming } from '../reset-recognizer.js';
import {
  baudPayload,
  BINARY,
  COM_PORT_OPTION,
  ComPort,
  comPortCommand,
  Control,
  DO,
  DONT,
  escapeIac,
  IAC,
  negotiation,
  readBaudPayload,
  SERVER_OFFSET,
  SGA,
  TelnetDecoder,
  WILL,
  WONT,
  type TelnetEvent,
} from '../rfc2217-codec.js';
import type { ControlLines } from '../transport.js';

/**
 * A serial device server: puts one serial endpoint (a virtual board, or a local serial port) on TCP
 * the way ser2net or pyserial's rfc2217_server.py does. A client that opens with telnet negotiation
 * (first byte IAC) speaks RFC 2217 and gets baud rate and DTR/RTS control; any other client gets the
 * raw byte stream at a fixed baud, without control lines.
 */

/** A rate that changes on its own (a chip's loader acknowledging CHANGE_BAUDRATE). */
export interface RateSource {
  readonly baud: number;
  onChange(listener: (baud: number) => void): void;
}

export interface Rfc2217SessionOptions {
  /** Baud of the link for raw clients (they cannot set one). Default 115200. */
  rawBaud?: number;
  /** Raw clients are heard at this rate as it changes, instead of rawBaud (a link whose far end follows the chip). */
  rawBaudSource?: RateSource;
  /** How long a silent client is given to start telnet negotiation before it counts as raw. */
  detectMs?: number;
  /** The answer to RFC 2217 SIGNATURE. */
  signature: string;
  /**
   * Recognise the client's reset sequences and play them with this timing (reset-recognizer.ts,
   * as esptool's esp_rfc2217_server does); absent: DTR/RTS are passed on one by one as they come.
   */
  resetHandling?: ResetTiming;
  onReset?: (kind: RecognisedReset) => void;
  /** How often the modem lines are read to notify a change (when the endpoint has them). */
  modemPollMs?: number;
}

export interface SerialServerOptions extends Rfc2217SessionOptions {
  host?: string;
  /** 0 or absent: any free port. */
  port?: number;
  /** A new client: the endpoint it talks to, or a reason to turn it away (what it sends meanwhile waits). */
  open(client: { address: string; port: number }): Opened | Promise<Opened>;
  /** Told about each client (connected, refused, left). */
  log?: (message: string) => void;
}

export type Opened = BoardEndpoint | { refused: string };

export interface SerialServer {
  port: number;
  host: string;
  close(): Promise<void>;
}

const ECHO = 1;
/** Options we agree to perform (answer DO with WILL) and to let the client perform (answer WILL with DO). */
const OURS = new Set([BINARY, SGA, COM_PORT_OPTION, ECHO]);
const THEIRS = new Set([BINARY, SGA, COM_PORT_OPTION]);

const DEFAULT_DETECT_MS = 300;
const DEFAULT_MODEM_POLL_MS = 500;

/** RFC 2217 modem state bits: the lines' state in the high nibble, "changed since last" below. */
const MODEM_DELTA_SHIFT = 4;

export async function startSerialServer(opts: SerialServerOptions): Promise<SerialServer> {
  const host = opts.host ?? '127.0.0.1';
  const sessions = new Set<Rfc2217Session>();
  const accept = async (socket: Socket): Promise<void> => {
    const client = { address: plainAddress(socket.remoteAddress ?? '?'), port: socket.remotePort ?? 0 };
    const who = `${client.address}:${client.port}`;
    // The socket is paused (no data listener) until the session takes it: nothing the client sends is lost.
    const endpoint = await opts.open(client);
    if ('refused' in endpoint) {
      opts.log?.(`refused ${who}: ${endpoint.refused}`);
      socket.destroy();
      return;
    }
    if (socket.destroyed) {
      endpoint.close();
      return;
    }
    opts.log?.(`client ${who} connected`);
    const session = new Rfc2217Session(socket, endpoint, opts, () => {
      sessions.delete(session);
      opts.log?.(`client ${who} left`);
    });
    sessions.add(session);
  };
  const server: Server = createServer((socket) => {
    accept(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.end();
        server.close(() => resolve());
      }),
  };
}

/** An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; logs and allow lists use the plain address. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

type Mode = 'undecided' | 'raw' | 'rfc2217';

/** One TCP client attached to one endpoint. */
export class Rfc2217Session {
  private mode: Mode = 'undecided';
  private pendingOut: Uint8Array[] = [];
  private detectTimer: ReturnType<typeof setTimeout> | undefined;
  private modemTimer: ReturnType<typeof setInterval> | undefined;
  private readonly telnet = new TelnetDecoder();
  private readonly ours = new Set<number>();
  private readonly theirs = new Set<number>();
  /** The lines as the client set them (what it reads back), whatever the recognizer played. */
  private lines: ControlLines = { dtr: false, rts: false };
  private readonly resets: ResetRecognizer | undefined;
  private baud: number;
  private dataSize = 8;
  private parity = 1; // NONE
  private stopSize = 1;
  private lineStateMask = 0;
  private modemStateMask = 0xff;
  private comPortOn = false;
  /** Last modem state told to the client; undefined until the first NOTIFY_MODEMSTATE. */
  private toldModemState: number | undefined;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    private readonly endpoint: BoardEndpoint,
    private readonly opts: Rfc2217SessionOptions,
    private readonly onEnd: () => void,
  ) {
    socket.setNoDelay(true);
    this.baud = opts.rawBaudSource?.baud ?? opts.rawBaud ?? 115200;
    opts.rawBaudSource?.onChange((baud) => {
      if (!this.ended && this.mode !== 'rfc2217') this.endpoint.setBaud(baud);
    });
    if (opts.resetHandling)
      this.resets = new ResetRecognizer((l) => endpoint.setSignals(l), opts.resetHandling, undefined, opts.onReset);
    this.endpoint.setBaud(this.baud);
    this.endpoint.onData((data) => this.toClient(data));
    this.endpoint.onClose?.(() => this.end());
    this.detectTimer = setTimeout(() => this.decide('raw'), opts.detectMs ?? DEFAULT_DETECT_MS);
    socket.on('data', (chunk: Buffer) => this.fromClient(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.on('error', () => this.end());
    socket.on('close', () => this.end());
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.detectTimer) clearTimeout(this.detectTimer);
    if (this.modemTimer) clearInterval(this.modemTimer);
    this.resets?.cancel();
    this.endpoint.close();
    // end() lets bytes already written reach the client before the FIN (the chip's last words).
    this.socket.end();
    this.socket.destroySoon();
    this.onEnd();
  }

  private decide(mode: 'raw' | 'rfc2217'): void {
    if (this.mode !== 'undecided') return;
    this.mode = mode;
    if (this.detectTimer) clearTimeout(this.detectTimer);
    this.detectTimer = undefined;
    const held = this.pendingOut;
    this.pendingOut = [];
    for (const d of held) this.toClient(d);
  }

  private fromClient(data: Uint8Array): void {
    if (this.ended || data.length === 0) return;
    if (this.mode === 'undecided') this.decide(data[0] === IAC ? 'rfc2217' : 'raw');
    if (this.mode === 'raw') {
      this.endpoint.write(data.slice());
      return;
    }
    for (const ev of this.telnet.push(data)) this.onTelnet(ev);
  }

  private toClient(data: Uint8Array): void {
    if (this.ended) return;
    if (this.mode === 'undecided') this.pendingOut.push(data.slice());
    else this.send(this.mode === 'rfc2217' ? escapeIac(data) : data);
  }

  private send(bytes: Uint8Array): void {
    if (!this.ended && bytes.length) this.socket.write(bytes);
  }

  private onTelnet(ev: TelnetEvent): void {
    if (ev.type === 'data') this.endpoint.write(ev.data);
    else if (ev.type === 'negotiation') this.negotiate(ev.command, ev.option);
    else if (ev.option === COM_PORT_OPTION && ev.data.length > 0) this.comPort(ev.data[0]!, ev.data.subarray(1));
  }

  /** Answers option requests, only on a change of state, so that two agreeing peers never loop. */
  private negotiate(command: number, option: number): void {
    if (command === DO) this.enable(option, OURS, this.ours, WILL, WONT);
    else if (command === DONT) {
      if (this.ours.delete(option)) this.send(negotiation(WONT, option));
    } else if (command === WILL) this.enable(option, THEIRS, this.theirs, DO, DONT);
    else if (command === WONT) {
      if (this.theirs.delete(option)) this.send(negotiation(DONT, option));
    }
  }

  /** A request to turn an option on (DO for ours, WILL for theirs): refuse one we do not speak, agree once. */
  private enable(option: number, spoken: ReadonlySet<number>, on: Set<number>, agree: number, refuse: number): void {
    if (!spoken.has(option)) return this.send(negotiation(refuse, option));
    if (on.has(option)) return;
    on.add(option);
    this.send(negotiation(agree, option));
    if (option === COM_PORT_OPTION) this.comPortAgreed();
  }

  /**
   * RFC 2217 is on: the client learns the modem lines now, and again whenever one changes (pyserial's
   * client refuses to report CTS/DSR/RI/CD, "remote sends no NOTIFY_MODEMSTATE", until it has had one).
   */
  private comPortAgreed(): void {
    // Both directions of COM-PORT-OPTION get agreed; the first one starts the notices.
    if (this.comPortOn) return;
    this.comPortOn = true;
    this.notifyModemState(true);
    if (this.endpoint.modemState && !this.modemTimer) {
      this.modemTimer = setInterval(() => this.notifyModemState(false), this.opts.modemPollMs ?? DEFAULT_MODEM_POLL_MS);
      this.modemTimer.unref?.();
    }
  }

  private notifyModemState(force: boolean): void {
    const read = this.endpoint.modemState?.() ?? 0;
    void Promise.resolve(read).then((state) => {
      if (this.ended) return;
      const previous = this.toldModemState ?? state;
      const delta = (previous ^ state) >>> MODEM_DELTA_SHIFT;
      if (!force && delta === 0) return;
      this.toldModemState = state;
      this.send(comPortCommand(ComPort.NOTIFY_MODEMSTATE + SERVER_OFFSET, Uint8Array.of((state | delta) & this.modemStateMask)));
    }, () => {});
  }

  /** RFC 2217 client-to-server commands; every one is acknowledged with the command + 100. */
  private comPort(cmd: number, payload: Uint8Array): void {
    const reply = (value: Uint8Array): void => this.send(comPortCommand(cmd + SERVER_OFFSET, value));
    const byte = payload[0] ?? 0;
    switch (cmd) {
      case ComPort.SIGNATURE:
        if (payload.length === 0) reply(new TextEncoder().encode(this.opts.signature));
        return;
      case ComPort.SET_BAUDRATE: {
        const baud = readBaudPayload(payload) ?? 0;
        if (baud > 0) {
          this.baud = baud;
          this.endpoint.setBaud(baud);
        }
        return reply(baudPayload(this.baud));
      }
      case ComPort.SET_DATASIZE:
        if (byte) this.dataSize = byte;
        return reply(Uint8Array.of(this.dataSize));
      case ComPort.SET_PARITY:
        if (byte) this.parity = byte;
        return reply(Uint8Array.of(this.parity));
      case ComPort.SET_STOPSIZE:
        if (byte) this.stopSize = byte;
        return reply(Uint8Array.of(this.stopSize));
      case ComPort.SET_CONTROL:
        return reply(Uint8Array.of(this.control(byte)));
      case ComPort.NOTIFY_LINESTATE:
        // Transmitter holding register and shift register empty: nothing waits to go out.
        return reply(Uint8Array.of(0x60));
      case ComPort.NOTIFY_MODEMSTATE:
        // A poll (pyserial's ?poll_modem): the current state.
        return this.notifyModemState(true);
      case ComPort.SET_LINESTATE_MASK:
        this.lineStateMask = byte;
        return reply(Uint8Array.of(this.lineStateMask));
      case ComPort.SET_MODEMSTATE_MASK:
        this.modemStateMask = byte;
        return reply(Uint8Array.of(this.modemStateMask));
      case ComPort.PURGE_DATA:
        // Bytes are passed on as they arrive; the link holds no buffer to purge.
        return reply(Uint8Array.of(byte));
      case ComPort.FLOWCONTROL_SUSPEND:
      case ComPort.FLOWCONTROL_RESUME:
        return;
      default:
        return;
    }
  }

  /** SET_CONTROL: sets DTR/RTS (one line per command, as RFC 2217 has it) or reports a state. */
  private control(value: number): number {
    switch (value) {
      case 0: // request outbound flow control setting
      case 13: // request inbound flow control setting
        return value === 0 ? 1 : 14; // none
      case 4: // request BREAK state
        return 6; // off
      case 7: // request DTR state
        return this.lines.dtr ? Control.DTR_ON : Control.DTR_OFF;
      case 10: // request RTS state
        return this.lines.rts ? Control.RTS_ON : Control.RTS_OFF;
      case Control.DTR_ON:
      case Control.DTR_OFF:
        this.setLine('dtr', value === Control.DTR_ON);
        return value;
      case Control.RTS_ON:
      case Control.RTS_OFF:
        this.setLine('rts', value === Control.RTS_ON);
        return value;
      default:
        // Flow control and BREAK settings: acknowledged; the link has neither.
        return value;
    }
  }

  private setLine(line: 'dtr' | 'rts', on: boolean): void {
    this.lines = { ...this.lines, [line]: on };
    if (this.resets) this.resets.control(line, on);
    else this.endpoint.setSignals(this.lines);
  }
}
