/**
 * Native-USB boards (ESP32-S2/S3/C3/C6 through their own USB peripheral) are a USB device that the
 * chip itself implements: a reset makes the device leave the bus and come back, and the OS may hand
 * out another node (/dev/ttyACM0 -> /dev/ttyACM1, COM5 -> COM6) and even another product id (the ROM's
 * CDC and MicroPython's TinyUSB CDC differ). What stays is the USB serial number, which these chips
 * derive from the MAC. So the board is found again by serial number and the job carries on.
 *
 * Browser-safe: the port listing and the opener are handed in (ports/node/list.ts and
 * transport/node/open.ts in Node; a Web Serial chooser in the page).
 */
import { UpyflashError, isUpyflashError } from '../errors.js';
import type { Reporter } from '../progress.js';
import { ForwardingTransport } from './forwarding-transport.js';
import type { ControlLines, Transport } from './transport.js';
import { sleep } from '../platform/sleep.js';

/** The fields of a port listing that re-finding needs; src/ports' PortInfo has them. */
export interface PortIdentity {
  readonly path: string;
  readonly serialNumber?: string | undefined;
  readonly vid?: string | undefined;
  readonly pid?: string | undefined;
}

export type ListPorts = () => Promise<readonly PortIdentity[]>;
export type OpenPort = (path: string) => Promise<Transport>;

export interface RefindOptions {
  readonly listPorts: ListPorts;
  /** How long the board may take to come back. USB enumeration plus the OS driver can take seconds on Windows. */
  readonly timeoutMs?: number;
  /** Listing interval while waiting. */
  readonly pollMs?: number;
  /**
   * First wait (up to this long) for the old port to leave the listing. Use it right after a reset
   * was issued, when the old node is still listed for a moment; a port that never leaves (a bridge
   * chip, or USB-Serial/JTAG that survived the reset) is then taken as it is.
   */
  readonly awaitDisappearanceMs?: number;
  /** Ports listed before the reset: without a serial number, only a new port of the same vendor can be the board. */
  readonly knownBefore?: readonly PortIdentity[];
  readonly reporter?: Reporter;
}

export interface ReopenOptions extends RefindOptions {
  readonly open: OpenPort;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_POLL_MS = 100;

const sameId = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** The listed port that is the board we had, or undefined. */
export function matchPort(previous: PortIdentity, ports: readonly PortIdentity[], knownBefore?: readonly PortIdentity[]): PortIdentity | undefined {
  if (previous.serialNumber) {
    // Several interfaces of one device share the serial number; prefer the one with the old path.
    const bySerial = ports.filter((p) => p.serialNumber === previous.serialNumber);
    return bySerial.find((p) => p.path === previous.path) ?? bySerial[0];
  }
  if (!knownBefore || !previous.vid) return undefined;
  const before = new Set(knownBefore.map((p) => p.path));
  const fresh = ports.filter((p) => (!before.has(p.path) || p.path === previous.path) && sameId(p.vid, previous.vid));
  // Guessing between two new boards of one vendor would be worse than asking.
  return fresh.length === 1 ? fresh[0] : undefined;
}

function lostError(previous: PortIdentity, waitedMs: number): UpyflashError {
  const who = previous.serialNumber ? `with serial number ${previous.serialNumber}` : `that was ${previous.path}`;
  return new UpyflashError('DISCONNECTED', `The board ${who} did not come back within ${Math.round(waitedMs / 1000)} s after it left ${previous.path}`, {
    hint: previous.serialNumber
      ? 'Check that it is still plugged in (a reset of a native-USB board re-plugs it); run `upyflash ports` to see where it is now and pass that with --port.'
      : 'This port reports no USB serial number, so upyflash cannot tell which new port is the board: run `upyflash ports` and pass the new port with --port.',
    details: { path: previous.path, serialNumber: previous.serialNumber ?? null, waitedMs },
  });
}

/**
 * Waits until the board is listed again (possibly under another path) and returns its new listing.
 * Throws DISCONNECTED (with what to do) when it does not come back in time.
 */
export async function refindPort(previous: PortIdentity, opts: RefindOptions): Promise<PortIdentity> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const start = Date.now();
  if (opts.awaitDisappearanceMs) {
    const until = start + opts.awaitDisappearanceMs;
    while (Date.now() < until) {
      const still = (await opts.listPorts()).some((p) => p.path === previous.path);
      if (!still) break;
      await sleep(pollMs);
    }
  }
  for (;;) {
    const found = matchPort(previous, await opts.listPorts(), opts.knownBefore);
    if (found) {
      if (found.path !== previous.path) opts.reporter?.info(`The board moved from ${previous.path} to ${found.path} after the reset`);
      return found;
    }
    if (Date.now() - start >= timeoutMs) throw lostError(previous, Date.now() - start);
    await sleep(pollMs);
  }
}

/**
 * Opening errors worth another try while a device is settling: the node can be listed before udev
 * has given it its group, and ModemManager probes fresh ACM devices for a moment.
 */
function isSettling(e: unknown): boolean {
  return isUpyflashError(e, 'PORT_NOT_FOUND') || isUpyflashError(e, 'PERMISSION_DENIED') || isUpyflashError(e, 'PORT_BUSY');
}

/** refindPort, then open it, retrying the errors of a device that is still settling. */
export async function reopenPort(previous: PortIdentity, opts: ReopenOptions): Promise<{ port: PortIdentity; transport: Transport }> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const start = Date.now();
  let lastError: unknown;
  for (;;) {
    const remaining = timeoutMs - (Date.now() - start);
    const port = await refindPort(previous, { ...opts, timeoutMs: Math.max(0, remaining) });
    try {
      const transport = await opts.open(port.path);
      return { port, transport };
    } catch (e) {
      if (!isSettling(e)) throw e;
      lastError = e;
    }
    if (Date.now() - start >= timeoutMs) throw lastError;
    await sleep(pollMs);
  }
}

export interface RefindingTransportOptions extends ReopenOptions {
  /** The board's listing when it was opened. */
  readonly identity: PortIdentity;
}

/**
 * A transport that survives its port going away: when the inner transport reports DISCONNECTED, the
 * board is found again by serial number, reopened at the same baud, and the call that failed goes on
 * on the new port (a read returns nothing, like a timeout; writes and line changes are repeated).
 * Jobs above see a slow moment instead of a dead link, which is what a native-USB reset is.
 */
export class RefindingTransport extends ForwardingTransport {
  private identity: PortIdentity;
  private recovering: Promise<void> | undefined;
  private closed = false;

  constructor(
    inner: Transport,
    private readonly opts: RefindingTransportOptions,
  ) {
    super(inner);
    this.identity = opts.identity;
  }

  /** Where the board is now. */
  get port(): PortIdentity {
    return this.identity;
  }

  override async close(): Promise<void> {
    this.closed = true;
    await this.recovering?.catch(() => undefined);
    await this.inner.close();
  }

  override async read(timeoutMs: number): Promise<Uint8Array> {
    try {
      return await this.inner.read(timeoutMs);
    } catch (e) {
      await this.recover(e);
      return new Uint8Array(0);
    }
  }

  override write(data: Uint8Array): Promise<void> {
    return this.retrying((t) => t.write(data));
  }

  override setSignals(lines: ControlLines): Promise<void> {
    return this.retrying((t) => t.setSignals(lines));
  }

  override setBaud(baud: number): Promise<void> {
    return this.retrying((t) => t.setBaud(baud));
  }

  override flushInput(): Promise<void> {
    return this.retrying((t) => t.flushInput());
  }

  override drain(): Promise<void> {
    return this.retrying((t) => t.drain());
  }

  private async retrying(op: (t: Transport) => Promise<void>): Promise<void> {
    try {
      await op(this.inner);
    } catch (e) {
      await this.recover(e);
      await op(this.inner);
    }
  }

  private recover(cause: unknown): Promise<void> {
    if (this.closed || !isUpyflashError(cause, 'DISCONNECTED')) return Promise.reject(cause);
    this.recovering ??= this.reopen().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  private async reopen(): Promise<void> {
    const old = this.inner;
    const baud = old.baud;
    // Let go of the dead node at once: the OS only reuses its name once the last holder closes it.
    await old.close().catch(() => undefined);
    this.opts.reporter?.info(`${this.identity.path} went away; waiting for the board to come back${this.identity.serialNumber ? ` (serial number ${this.identity.serialNumber})` : ''}`);
    const { port, transport } = await reopenPort(this.identity, this.opts);
    if (transport.baud !== baud && transport.capabilities.baudRate) await transport.setBaud(baud);
    this.inner = transport;
    this.identity = port;
    this.opts.reporter?.info(`Found the board again on ${port.path}`);
  }
}

/** A port listing entry that may say whether the port is the chip's own USB. */
export interface ListedPort extends PortIdentity {
  readonly bridge?: { readonly nativeUsb: boolean } | undefined;
}

export interface FollowOptions {
  readonly listPorts: () => Promise<readonly ListedPort[]>;
  readonly open: OpenPort;
  readonly reporter?: Reporter;
  readonly timeoutMs?: number;
}

/**
 * Wraps `transport` so it follows the board across re-enumeration when `path` is a native-USB port
 * with a serial number; any other port is returned as it is (a bridge chip that vanishes was
 * unplugged, and waiting for it would only delay the error).
 */
export async function followNativeUsb(transport: Transport, path: string, opts: FollowOptions): Promise<Transport> {
  // Network and virtual ports have no USB identity to follow.
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path)) return transport;
  let listed: ListedPort | undefined;
  try {
    listed = (await opts.listPorts()).find((p) => p.path === path);
  } catch {
    return transport;
  }
  if (!listed?.bridge?.nativeUsb || !listed.serialNumber) return transport;
  return new RefindingTransport(transport, {
    identity: listed,
    listPorts: opts.listPorts,
    open: opts.open,
    ...(opts.reporter ? { reporter: opts.reporter } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
}
