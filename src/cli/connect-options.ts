import type { Command } from 'commander';
import { type ChipSpec, CHIP_IDS, chipById } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { esptoolJsStub } from '../stub/node/esptool-js-stubs.js';
import { followNativeUsb } from '../transport/refinding-transport.js';
import type { AfterMode, BeforeMode } from '../flasher/reset.js';
import { type FlasherSession, type SessionOptions, connect } from '../flasher/session.js';
import { nodeDeflate } from '../platform/node/deflate.js';
import type { Reporter } from '../progress.js';
import { openTransport, parseTransportSpec } from '../transport/node/open.js';
import { type AutoBaud, autoBaudFor } from '../flasher/auto-baud.js';
import { loadBaudMemory } from '../ports/node/baud-memory.js';
import type { Transport } from '../transport/transport.js';
import { listHostPorts, pickPort } from './port-choice.js';
import type { CommandIo } from './run-command.js';

/** The flags every verb that talks to a board accepts (esptool's names). */
export interface ConnectionFlags {
  port?: string;
  baud?: string;
  chip?: string;
  before?: string;
  after?: string;
  /** commander turns --no-stub into stub: false. */
  stub?: boolean;
}

const BEFORE: readonly BeforeMode[] = ['default-reset', 'no-reset', 'usb-reset'];
const AFTER: readonly AfterMode[] = ['hard-reset', 'no-reset'];
const SYNC_BAUD = 115200;

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-p, --port <port>', 'serial port, socket://HOST:PORT, rfc2217://HOST:PORT or virtual:CHIP (default: the one board found)')
    .option('-b, --baud <rate>', 'baud rate for the transfer, or auto: the fastest the USB bridge is known to carry, proven, stepped down on errors, remembered per bridge', 'auto')
    .option('-c, --chip <chip>', `auto or one of ${CHIP_IDS.join(', ')}`, 'auto')
    .option('--before <mode>', `how to enter download mode: ${BEFORE.join(', ')}`, 'default-reset')
    .option('--after <mode>', `what to do at the end: ${AFTER.join(', ')}`, 'hard-reset')
    .option('--no-stub', 'use the ROM loader only (slower; no MD5 verify on ESP8266)');
}

export function parseChipFlag(value: string | undefined): ChipSpec | undefined {
  if (value === undefined || value === 'auto') return undefined;
  const chip = chipById(value);
  if (!chip) throw new UpyflashError('BAD_ARGUMENT', `Unknown chip "${value}"; use auto or one of ${CHIP_IDS.join(', ')}.`);
  return chip;
}

export function sessionOptions(flags: ConnectionFlags): SessionOptions {
  const before = oneOf(flags.before ?? 'default-reset', BEFORE, '--before');
  const after = oneOf(flags.after ?? 'hard-reset', AFTER, '--after');
  const chip = parseChipFlag(flags.chip);
  let baud: number | undefined;
  if (flags.baud !== undefined && flags.baud !== 'auto') {
    baud = Number(flags.baud);
    if (!Number.isInteger(baud) || baud < 9600 || baud > 5_000_000) {
      throw new UpyflashError('BAD_ARGUMENT', `--baud ${flags.baud} is not a usable baud rate (e.g. 115200, 460800, 921600)`);
    }
  }
  return {
    before,
    after,
    ...(chip ? { chip } : {}),
    ...(baud !== undefined ? { baud } : {}),
    stub: flags.stub !== false,
    stubProvider: esptoolJsStub,
    deflate: nodeDeflate(9),
  };
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UpyflashError('BAD_ARGUMENT', `${flag} ${value}: use one of ${allowed.join(', ')}`);
}

/** --port, or the one board found on this machine (asking on a terminal when there are several). */
export async function resolvePortSpec(flags: ConnectionFlags, io: CommandIo): Promise<string> {
  if (flags.port) return flags.port;
  const chosen = await pickPort(await listHostPorts(), Boolean(process.stdin.isTTY && process.stderr.isTTY) && !io.json);
  io.reporter.info(`Using port ${chosen.path}`);
  return chosen.path;
}

export async function openTransportFor(spec: string): Promise<Transport> {
  const transport = await openTransport(spec, { baud: SYNC_BAUD });
  // Native-USB boards re-enumerate on reset, maybe under another name: follow them by serial number.
  return followNativeUsb(transport, spec, { listPorts: listHostPorts, open: (p) => openTransport(p, { baud: SYNC_BAUD }) });
}

/** Port -> transport -> download mode -> chip detected: what every board verb starts with. */
export async function openSession(flags: ConnectionFlags, io: CommandIo): Promise<FlasherSession> {
  const spec = await resolvePortSpec(flags, io);
  const opts = { ...sessionOptions(flags), ...(await autoBaudOption(flags, spec)) };
  const transport = await openTransportFor(spec);
  try {
    return await connect(transport, opts, io.reporter);
  } catch (e) {
    await transport.close().catch(() => undefined);
    throw e;
  }
}

/** Runs a job on a connected session and always closes it (with the --after action on success). */
export async function withSession<T>(
  flags: ConnectionFlags,
  io: CommandIo,
  job: (session: FlasherSession, reporter: Reporter) => Promise<T>,
): Promise<T> {
  const session = await openSession(flags, io);
  let result: T;
  try {
    result = await job(session, io.reporter);
  } catch (e) {
    // Leave the chip in the loader on failure (no reset), so the user can retry at once.
    await session.close('no-reset').catch(() => undefined);
    throw e;
  }
  await session.close();
  return result;
}

/** --baud auto: the bridge from the port listing (serial) or `?bridge=` (rfc2217), and what worked before. */
async function autoBaudOption(flags: ConnectionFlags, spec: string): Promise<{ autoBaud?: AutoBaud }> {
  if (flags.baud !== undefined && flags.baud !== 'auto') return {};
  const memory = await loadBaudMemory();
  const parsed = parseTransportSpec(spec);
  if (parsed.kind === 'rfc2217') return { autoBaud: autoBaudFor(parsed.bridge, undefined, memory) };
  if (parsed.kind !== 'serial') return {};
  const listed = (await listHostPorts().catch(() => [])).find((p) => p.path === parsed.path);
  return { autoBaud: autoBaudFor(listed?.bridge, listed?.product, memory) };
}
