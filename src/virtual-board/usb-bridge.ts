import { UpyflashError } from '../errors.js';
import { Prng } from '../platform/prng.js';
import type { ControlLines } from '../transport/transport.js';
import type { BoardEndpoint } from '../transport/endpoint.js';

/**
 * The USB-serial chip between the host and the board's UART. Each part carries the link up to a rate;
 * above it the host's rate request is still acknowledged (the driver sets a divisor and says yes) but
 * the bytes that then cross arrive corrupted, which is what a CH340 does at 921600 on Linux
 * (espressif/esptool#435). So a client that changes speed meets the failure where a real one does:
 * on the first frames at the new rate, not on the request. The limits are this board's own
 * description of the parts it models, deliberately not read from the client's ports/bridge-rates
 * table, so that a wrong client fact cannot be mirrored by the board. Browser-safe.
 */

export type VirtualBridgeId = 'cp2102' | 'cp2102n' | 'ch340' | 'ch343' | 'ch9102' | 'ft232r' | 'native';

export interface VirtualBridgeModel {
  readonly id: VirtualBridgeId;
  readonly name: string;
  readonly vid: number;
  readonly pid: number;
  /** The USB product string the part reports (what tells CP2102 from CP2102N). */
  readonly product: string;
  /** Fastest rate that crosses intact; undefined for the chip's own USB, where no UART limits it. */
  readonly carriesUpTo?: number;
}

export const VIRTUAL_BRIDGES: Readonly<Record<VirtualBridgeId, VirtualBridgeModel>> = {
  cp2102: { id: 'cp2102', name: 'Silicon Labs CP2102', vid: 0x10c4, pid: 0xea60, product: 'CP2102 USB to UART Bridge Controller', carriesUpTo: 921_600 },
  cp2102n: { id: 'cp2102n', name: 'Silicon Labs CP2102N', vid: 0x10c4, pid: 0xea60, product: 'CP2102N USB to UART Bridge Controller', carriesUpTo: 3_000_000 },
  ch340: { id: 'ch340', name: 'WCH CH340', vid: 0x1a86, pid: 0x7523, product: 'USB2.0-Serial', carriesUpTo: 460_800 },
  ch343: { id: 'ch343', name: 'WCH CH343', vid: 0x1a86, pid: 0x55d3, product: 'USB Single Serial', carriesUpTo: 6_000_000 },
  ch9102: { id: 'ch9102', name: 'WCH CH9102', vid: 0x1a86, pid: 0x55d4, product: 'USB Single Serial', carriesUpTo: 4_000_000 },
  ft232r: { id: 'ft232r', name: 'FTDI FT232R', vid: 0x0403, pid: 0x6001, product: 'FT232R USB UART', carriesUpTo: 3_000_000 },
  native: { id: 'native', name: 'Espressif USB-Serial/JTAG', vid: 0x303a, pid: 0x1001, product: 'USB JTAG/serial debug unit' },
};

export const VIRTUAL_BRIDGE_IDS = Object.keys(VIRTUAL_BRIDGES) as VirtualBridgeId[];

export function virtualBridgeById(id: string): VirtualBridgeModel {
  const model = (VIRTUAL_BRIDGES as Readonly<Record<string, VirtualBridgeModel>>)[id];
  if (!model) throw new UpyflashError('BAD_ARGUMENT', `Unknown USB bridge "${id}"; use one of ${VIRTUAL_BRIDGE_IDS.join(', ')}`);
  return model;
}

/** "WCH CH340 [1a86:7523]", for the server's RFC 2217 signature and the board's listening line. */
export function bridgeLabel(model: VirtualBridgeModel): string {
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return `${model.name} [${hex(model.vid)}:${hex(model.pid)}]`;
}

export interface BridgeLinkOptions {
  /** The part; without it only garbleAbove limits the link. */
  bridge?: VirtualBridgeModel;
  /** Corrupt bytes at host rates above this (overrides the part's own limit). */
  garbleAbove?: number;
  /** Share of bytes corrupted above the limit. Default 0.25: no SLIP frame of any length survives for long. */
  errorRate?: number;
  seed?: number;
  /**
   * Above the limit the link still holds for this many bytes (both ways) before garbling starts: a
   * cable or bridge that goes bad mid-job, after the rate change proved itself (tests of slow-downs).
   */
  garbleAfterBytes?: number;
}

const DEFAULT_ERROR_RATE = 0.25;

/** The rate above which this bridge garbles, or undefined when it never does. */
export function garbleThreshold(opts: BridgeLinkOptions): number | undefined {
  if (opts.garbleAbove !== undefined) return opts.garbleAbove;
  return opts.bridge?.carriesUpTo;
}

/**
 * Puts the bridge between a host and the board's endpoint: both directions pass through it, and the
 * host's rate request reaches the board as it would through the part. The native USB model never
 * garbles; that the host's rate means nothing there is the board's `nativeUsb` option (the UART
 * model lives in the board).
 */
export function bridgedEndpoint(inner: BoardEndpoint, opts: BridgeLinkOptions): BoardEndpoint {
  const limit = garbleThreshold(opts);
  const errorRate = opts.errorRate ?? DEFAULT_ERROR_RATE;
  const rng = new Prng(((opts.seed ?? 1) * 7919 + 0xb1d9e) >>> 0);
  let hostBaud = 115_200;
  let heldBytes = 0;
  const holdsFor = opts.garbleAfterBytes ?? 0;
  const garble = (data: Uint8Array): Uint8Array => {
    if (limit === undefined || hostBaud <= limit) return data;
    heldBytes += data.length;
    if (heldBytes <= holdsFor) return data;
    const out = data.slice();
    for (let i = 0; i < out.length; i++) if (rng.next() < errorRate) out[i] = out[i]! ^ (1 << rng.below(8));
    return out;
  };
  return {
    write(data: Uint8Array): void {
      inner.write(garble(data));
    },
    setSignals(lines: ControlLines): void {
      inner.setSignals(lines);
    },
    setBaud(baud: number): void {
      if (!(Number.isFinite(baud) && baud > 0)) return;
      hostBaud = baud;
      inner.setBaud(baud);
    },
    onData(listener: (data: Uint8Array) => void): void {
      inner.onData((data) => listener(garble(data)));
    },
    close(): void {
      inner.close();
    },
    onClose(listener: () => void): void {
      inner.onClose?.(listener);
    },
  };
}
