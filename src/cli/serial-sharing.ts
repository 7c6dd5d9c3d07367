import { openTransport } from '../transport/node/open.js';
import { plainAddress, startSerialServer, type SerialServer } from '../transport/node/rfc2217-server.js';
import { ESPTOOL_RESET_TIMING } from '../transport/reset-recognizer.js';
import { transportEndpoint } from '../transport/transport-endpoint.js';
import type { BoardEndpoint } from '../transport/endpoint.js';

/**
 * `upyflash serve`: local serial ports (or virtual: boards) shared over RFC 2217, one TCP port each,
 * with esp_rfc2217_server's reset handling, so that boards plugged into one machine can be flashed
 * from another (`--port rfc2217://host:4000`). One client per port at a time: the port is opened when
 * a client connects and closed when it leaves; a second client is refused while the first is on.
 */

export interface ShareOptions {
  /** Port strings as --port takes them: /dev/ttyUSB0, COM3, virtual:esp32 ... */
  ports: readonly string[];
  bind: string;
  /** TCP port of the first shared port; the next ones follow. 0: any free ports. */
  basePort: number;
  /** Addresses allowed to connect; empty: anyone who can reach `bind`. */
  allow: readonly string[];
  /** Play the client's reset sequences with the chip's timing (default), or pass lines as they come. */
  resetHandling: boolean;
  log(line: string): void;
}

export interface SharedPort {
  readonly spec: string;
  readonly url: string;
  readonly server: SerialServer;
}

export async function shareSerialPorts(opts: ShareOptions): Promise<{ ports: SharedPort[]; close(): Promise<void> }> {
  const shared: SharedPort[] = [];
  try {
    for (const [i, spec] of opts.ports.entries()) shared.push(await shareOne(spec, opts, opts.basePort === 0 ? 0 : opts.basePort + i));
  } catch (e) {
    for (const s of shared) await s.server.close();
    throw e;
  }
  return {
    ports: shared,
    async close() {
      for (const s of shared) await s.server.close();
    },
  };
}

/**
 * How long a new client waits for the previous one to leave before it is refused: a client that
 * closes and reopens (upyflash before its boot check) is back before the server has seen it go.
 */
const HANDOVER_MS = 2000;

async function shareOne(spec: string, opts: ShareOptions, port: number): Promise<SharedPort> {
  let holder: string | undefined;
  const left: (() => void)[] = [];
  const release = (): void => {
    holder = undefined;
    for (const l of left.splice(0)) l();
  };
  const free = (ms: number): Promise<boolean> =>
    holder === undefined
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const timer = setTimeout(() => resolve(false), ms);
          left.push(() => {
            clearTimeout(timer);
            resolve(true);
          });
        });
  const allowed = new Set(opts.allow.flatMap(addressesOf));
  const server = await startSerialServer({
    host: opts.bind,
    port,
    signature: `upyflash serve ${spec}`,
    ...(opts.resetHandling ? { resetHandling: ESPTOOL_RESET_TIMING } : {}),
    onReset: (kind) => opts.log(`${spec}: ${kind === 'download' ? 'reset into download mode' : 'hard reset'} for ${holder ?? 'the client'}`),
    log: (line) => opts.log(`${spec}: ${line}`),
    open: async (client) => {
      const who = `${client.address}:${client.port}`;
      if (allowed.size > 0 && !allowed.has(client.address)) return { refused: 'not in --allow' };
      const previous = holder;
      if (!(await free(HANDOVER_MS)) || holder !== undefined) return { refused: `in use by ${previous ?? holder}` };
      holder = who;
      return lazyEndpoint(spec, opts, release);
    },
  });
  return { spec, url: `rfc2217://${displayHost(server.host)}:${server.port}`, server };
}

/**
 * The port is opened when the client arrives; until then what the client sends waits, and if the
 * port cannot be opened the client is told by the connection closing (and the log says why).
 */
function lazyEndpoint(spec: string, opts: ShareOptions, released: () => void): BoardEndpoint {
  const listeners: ((d: Uint8Array) => void)[] = [];
  const closers: (() => void)[] = [];
  const waiting: ((e: BoardEndpoint) => void)[] = [];
  let inner: BoardEndpoint | undefined;
  let done = false;
  const end = (): void => {
    if (done) return;
    done = true;
    released();
    for (const c of closers.splice(0)) c();
  };
  const use = (fn: (e: BoardEndpoint) => void): void => {
    if (inner) fn(inner);
    else waiting.push(fn);
  };
  // The client sets its rate right after connecting; until then the port runs at the sync rate.
  openTransport(spec, { baud: 115200 }).then(
    (transport) => {
      if (done) {
        void transport.close();
        return;
      }
      const e = transportEndpoint(transport);
      e.onData((d) => listeners.forEach((l) => l(d)));
      e.onClose?.(end);
      inner = e;
      for (const fn of waiting.splice(0)) fn(e);
    },
    (err: unknown) => {
      opts.log(`${spec}: cannot open: ${err instanceof Error ? err.message : String(err)}`);
      end();
    },
  );
  return {
    write: (d) => use((e) => e.write(d)),
    setSignals: (lines) => use((e) => e.setSignals(lines)),
    setBaud: (baud) => use((e) => e.setBaud(baud)),
    onData: (l) => listeners.push(l),
    onClose: (l) => closers.push(l),
    modemState: () => inner?.modemState?.() ?? 0,
    close: () => {
      use((e) => e.close());
      end();
    },
  };
}

function addressesOf(host: string): string[] {
  return host === 'localhost' ? ['127.0.0.1', '::1'] : [plainAddress(host)];
}

function displayHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
