import { ESPTOOL_RESET_TIMING } from '../../transport/reset-recognizer.js';
import { startSerialServer, type SerialServer } from '../../transport/node/rfc2217-server.js';
import type { VirtualBoard } from '../board.js';
import { bridgedEndpoint, bridgeLabel, type BridgeLinkOptions } from '../usb-bridge.js';

/**
 * Puts a virtual board on TCP, the way a serial device server (ser2net, esp-link, pyserial's
 * rfc2217_server.py, esptool's esp_rfc2217_server) puts a real one on the network: RFC 2217 clients
 * get baud rate and DTR/RTS control, raw clients the byte stream at a fixed baud
 * (transport/node/rfc2217-server.ts).
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
  /**
   * Recognise a client's DTR/RTS reset sequence and play it to the board with esptool's timing, as
   * esp_rfc2217_server does (so a client whose SET_CONTROLs come 50 ms apart still reaches download
   * mode). Default false: lines are passed on one by one.
   */
  resetServer?: boolean;
  log?: (message: string) => void;
}

export type VirtualBoardServer = SerialServer;

export async function startVirtualBoardServer(opts: VirtualBoardServerOptions): Promise<VirtualBoardServer> {
  const bridge = opts.bridge?.bridge;
  return startSerialServer({
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.rawBaud !== undefined ? { rawBaud: opts.rawBaud } : {}),
    ...(opts.rawFollowsChip ? { rawBaudSource: { get baud() { return opts.board.agreedBaud; }, onChange: (fn: (baud: number) => void) => opts.board.onAgreedBaud(fn) } } : {}),
    ...(opts.detectMs !== undefined ? { detectMs: opts.detectMs } : {}),
    ...(opts.resetServer ? { resetHandling: ESPTOOL_RESET_TIMING } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    signature: `upyflash virtual ${opts.board.chip.name}${bridge ? ` via ${bridgeLabel(bridge)}` : ''}`,
    open: () => (opts.bridge ? bridgedEndpoint(opts.board.connect(), opts.bridge) : opts.board.connect()),
  });
}
