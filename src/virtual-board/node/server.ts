import { createServer, type Server, type Socket } from 'node:net';
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
} from '../../transport/rfc2217-codec.js';
import type { ControlLines } from '../../transport/transport.js';
import type { VirtualBoard } from '../board.js';
import type { BoardEndpoint } from '../../transport/endpoint.js';
import { bridgedEndpoint, bridgeLabel, type BridgeLinkOptions } from '../usb-bridge.js';

/**
 * Puts a virtual board on TCP, the way a serial device server (ser2net, esp-link, pyserial's
 * rfc2217_server.py) puts a real one on the network. A client that opens with telnet negotiation
 * (first byte IAC) speaks RFC 2217 and gets baud rate and DTR/RTS control; any other client gets the
 * raw byte stream of a bridge fixed at one baud, without control lines.
 */

export interface VirtualBoardServerOptions {
  board: VirtualBoard;
  host?: string;
  /** 0 or absent: any free port. */
  port?: number;
  /** Baud of the bridge for raw clients (they cannot set one). Default 115200. */
  rawBaud?: number;
  /**
   * Raw clients are heard at the rate the chip's loader last acknowledged (board.agreedBaud) instead of
   * a fixed rate: the far end of a link that follows the protocol but has no DTR/RTS, like a serial
   * port whose control lines go nowhere (and, for a healthy chip, an emulator's serial socket).
   */
  rawFollowsChip?: boolean;
  /** How long a silent client is given to start telnet negotiation before it counts as raw. */
  detectMs?: number;
  /**
   * The USB-serial part between server and board (what limits the rate that crosses intact). Its
   * name and VID:PID are in the answer to RFC 2217 SIGNATURE, as a device server names its port.
   */
  bridge?: BridgeLinkOptions;
}

export interface VirtualBoardServer {
  port: number;
  host: string;
  close(): Promise<void>;
}

const ECHO = 1;
/** Options we agree to perform (answer DO with WILL) and to let the client perform (answer WILL with DO). */
const OURS = new Set([BINARY, SGA, COM_PORT_OPTION, ECHO]);
const THEIRS = new Set([BINARY, SGA, COM_PORT_OPTION]);

const DEFAULT_DETECT_MS = 300;

export async function startVirtualBoardServer(opts: VirtualBoardServerOptions): Promise<VirtualBoardServer> {
  const host = opts.host ?? '127.0.0.1';
  const sessions = new Set<Session>();
  const server: Server = createServer((socket) => {
    const session = new Session(socket, opts, () => sessions.delete(session));
    sessions.add(session);
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

type Mode = 'undecided' | 'raw' | 'rfc2217';

/** One TCP client attached to the board. */
class Session {
  private mode: Mode = 'undecided';
  private readonly endpoint: BoardEndpoint;
  private pendingOut: Uint8Array[] = [];
  private detectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly telnet = new TelnetDecoder();
  private readonly ours = new Set<number>();
  private readonly theirs = new Set<number>();
  private lines: ControlLines = { dtr: false, rts: false };
  private baud: number;
  private dataSize = 8;
  private parity = 1; // NONE
  private stopSize = 1;
  private lineStateMask = 0;
  private modemStateMask = 0xff;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    private readonly opts: VirtualBoardServerOptions,
    private readonly onEnd: () => void,
  ) {
    socket.setNoDelay(true);
    this.baud = opts.rawFollowsChip ? opts.board.agreedBaud : (opts.rawBaud ?? 115200);
    this.endpoint = opts.bridge ? bridgedEndpoint(opts.board.connect(), opts.bridge) : opts.board.connect();
    this.endpoint.setBaud(this.baud);
    if (opts.rawFollowsChip) {
      opts.board.onAgreedBaud((baud) => {
        if (!this.ended && this.mode !== 'rfc2217') this.endpoint.setBaud(baud);
      });
    }
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
  }

  /** RFC 2217 client-to-server commands; every one is acknowledged with the command + 100. */
  private comPort(cmd: number, payload: Uint8Array): void {
    const reply = (value: Uint8Array): void => this.send(comPortCommand(cmd + SERVER_OFFSET, value));
    const byte = payload[0] ?? 0;
    switch (cmd) {
      case ComPort.SIGNATURE:
        if (payload.length === 0) reply(new TextEncoder().encode(this.signature()));
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
        // The bridge has no modem inputs wired (CTS, DSR, RI, CD all off).
        return reply(Uint8Array.of(0));
      case ComPort.SET_LINESTATE_MASK:
        this.lineStateMask = byte;
        return reply(Uint8Array.of(this.lineStateMask));
      case ComPort.SET_MODEMSTATE_MASK:
        this.modemStateMask = byte;
        return reply(Uint8Array.of(this.modemStateMask));
      case ComPort.PURGE_DATA:
        // Bytes are passed on as they arrive; the bridge holds no buffer to purge.
        return reply(Uint8Array.of(byte));
      case ComPort.FLOWCONTROL_SUSPEND:
      case ComPort.FLOWCONTROL_RESUME:
        return;
      default:
        return;
    }
  }

  private signature(): string {
    const bridge = this.opts.bridge?.bridge;
    return `upyflash virtual ${this.opts.board.chip.name}${bridge ? ` via ${bridgeLabel(bridge)}` : ''}`;
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
        this.lines = { ...this.lines, dtr: value === Control.DTR_ON };
        this.endpoint.setSignals(this.lines);
        return value;
      case Control.RTS_ON:
      case Control.RTS_OFF:
        this.lines = { ...this.lines, rts: value === Control.RTS_ON };
        this.endpoint.setSignals(this.lines);
        return value;
      default:
        // Flow control and BREAK settings: acknowledged; the virtual UART has neither.
        return value;
    }
  }
}
