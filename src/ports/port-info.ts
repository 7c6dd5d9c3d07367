/**
 * What port discovery reports, and how a port is picked from it. Browser-safe (no OS access).
 */
import { UpyflashError } from '../errors.js';
import { bridgeFor, isLikelyEsp, type UsbBridge } from './usb-bridges.js';

export interface PortInfo {
  /** What to pass to --port: /dev/ttyUSB0, /dev/cu.usbserial-0001, COM3. */
  path: string;
  /** USB vendor and product ids as 4 lowercase hex digits, e.g. "10c4", "ea60". */
  vid?: string;
  pid?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  bridge?: UsbBridge;
  likelyEsp: boolean;
  /** Where it sits on the USB tree, e.g. "1-1.2:1.0" (Linux) or the OS's location id. */
  location?: string;
  /** USB interface number for multi-port chips (CP2105, FT2232): which UART of the chip. */
  interfaceNumber?: number;
}

export interface UsbIdentity {
  path: string;
  vid?: string | undefined;
  pid?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  serialNumber?: string | undefined;
  location?: string | undefined;
  interfaceNumber?: number | undefined;
}

function hex4(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const n = parseInt(value.replace(/^0x/i, ''), 16);
  return Number.isFinite(n) ? n.toString(16).padStart(4, '0') : undefined;
}

/** Normalises ids and recognises the bridge; drops empty fields so JSON output stays tidy. */
export function describePort(id: UsbIdentity): PortInfo {
  const vid = hex4(id.vid);
  const pid = hex4(id.pid);
  const v = vid === undefined ? undefined : parseInt(vid, 16);
  const p = pid === undefined ? undefined : parseInt(pid, 16);
  const bridge = v !== undefined && p !== undefined ? bridgeFor(v, p) : undefined;
  const info: PortInfo = { path: id.path, likelyEsp: isLikelyEsp(v, p) };
  if (vid) info.vid = vid;
  if (pid) info.pid = pid;
  if (id.manufacturer) info.manufacturer = id.manufacturer;
  if (id.product) info.product = id.product;
  if (id.serialNumber) info.serialNumber = id.serialNumber;
  if (bridge) info.bridge = bridge;
  if (id.location) info.location = id.location;
  if (id.interfaceNumber !== undefined) info.interfaceNumber = id.interfaceNumber;
  return info;
}

/** "ttyUSB10" after "ttyUSB9", COM10 after COM9. */
export function comparePaths(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function portLabel(p: PortInfo): string {
  const what = p.bridge?.name ?? p.product ?? p.manufacturer;
  const ids = p.vid && p.pid ? ` [${p.vid}:${p.pid}]` : '';
  return what ? `${p.path} (${what}${ids})` : `${p.path}${ids}`;
}

/**
 * The port to use when the user named none: the one that looks like an ESP board. Several such
 * ports, or none, are errors that list what was found; the CLI offers a choice on a terminal.
 */
export function choosePort(ports: readonly PortInfo[]): PortInfo {
  const likely = ports.filter((p) => p.likelyEsp);
  if (likely.length === 1) return likely[0]!;
  if (likely.length > 1) {
    throw new UpyflashError('MULTIPLE_PORTS', `Several possible boards: ${likely.map(portLabel).join(', ')}`, {
      hint: `Choose one with --port, e.g. --port ${likely[0]!.path} (see \`upyflash ports\`).`,
      details: { ports: likely.map((p) => p.path) },
    });
  }
  const others = ports.map(portLabel);
  return fail(others);
}

function fail(others: string[]): never {
  if (others.length > 0) {
    throw new UpyflashError('NO_PORTS', `No serial port looks like an ESP board (found: ${others.join(', ')})`, {
      hint: 'If one of these is your board, pass it with --port. Otherwise plug the board in with a data USB cable, install the USB-serial driver if your OS needs one, and run `upyflash doctor`.',
      details: { ports: others },
    });
  }
  throw new UpyflashError('NO_PORTS', 'No serial port found', { details: { ports: [] } });
}
