import type { Command } from 'commander';
import { CHIP_IDS, chipById } from '../../chips/index.js';
import type { ChipId } from '../../chips/types.js';
import { UpyflashError } from '../../errors.js';
import { startBoardPool } from '../../virtual-board/node/board-pool.js';
import { BEHAVIOURS, serveVirtualBoard, type Behaviour, type ServeBoardOptions } from '../../virtual-board/node/serve-board.js';
import { FLASH_FAULTS } from '../../virtual-board/flash-faults.js';
import { SECURITY_STATES, type SecurityState } from '../../virtual-board/security-state.js';
import { VIRTUAL_BRIDGE_IDS } from '../../virtual-board/usb-bridge.js';
import { MODULE_PROFILES, moduleProfile } from '../../virtual-board/modules.js';
import type { VirtualAccessPoint } from '../../virtual-board/micropython/interpreter-protocol.js';
import { parseSize, runCommand, type GlobalOptions } from '../run-command.js';

interface VirtualBoardFlags extends GlobalOptions {
  chip: string;
  listen: string;
  flash?: string;
  flashSize?: string;
  boot?: string;
  behaviour?: string;
  linkModel?: boolean;
  flashTiming?: boolean;
  byteErrorRate?: string;
  seed?: string;
  bridge?: string;
  garbleAbove?: string;
  garbleAfter?: string;
  count?: string;
  misbehave: string[];
  ramCode?: string;
  security?: string;
  fault?: string;
  module?: string;
  resetServer?: boolean;
  ap: string[];
  radio?: boolean;
  resetAfter?: string;
  romBaudError?: string;
  rawFollowsChip?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function register(program: Command): void {
  program
    .command('virtual-board')
    .description('serve a virtual ESP board over TCP (RFC 2217 with DTR/RTS and baud, or raw socket://) until Ctrl-C')
    .option('-c, --chip <chip>', `chip to emulate: ${CHIP_IDS.join(', ')}`, 'esp32')
    .option('--listen <host:port>', 'address to listen on (port 0 = any free port)', '127.0.0.1:5555')
    .option('--flash <file>', 'keep the flash in FILE (created erased when missing; holds the flash after exit); with --count, a folder of board-N.bin')
    .option('--flash-size <size>', 'flash size, e.g. 4M (default: the chip data default)')
    .option('--boot <mode>', 'normal, or download (GPIO0 held low as if BOOT were pressed)', 'normal')
    .option('--behaviour <b>', `misbehave for diagnostics: ${BEHAVIOURS.join(', ')}`, 'normal')
    .option('--no-link-model', 'deliver bytes instantly instead of at the baud rate')
    .option('--no-flash-timing', 'erase and program flash instantly')
    .option('--byte-error-rate <rate>', 'corrupt host->chip bytes at this rate (tests)')
    .option('--seed <n>', 'seed for injected faults', '1')
    .option('--bridge <part>', `USB-serial part in front of the board: ${VIRTUAL_BRIDGE_IDS.join(', ')} (above its rate, bytes arrive corrupted)`)
    .option('--garble-above <baud>', 'corrupt bytes both ways when the host rate is above BAUD (tests)')
    .option('--garble-after <bytes>', 'with --bridge or --garble-above: above the limit the link holds for BYTES (both ways), then goes bad (tests)')
    .option('--ram-code <mode>', 'a program started with MEM_END that is no known flasher stub: stub (run it as one) or reboot (user code)', 'stub')
    .option('--module <name>', `a real part's eFuses, flash size and USB port: ${MODULE_PROFILES.map((m) => m.id).join(', ')}`)
    .option('--security <state>', `eFuses of a locked-down chip: ${SECURITY_STATES.join(', ')} (Secure Download Mode, flash encryption, secure boot)`)
    .option('--fault <fault>', `flash faults for tests: ${FLASH_FAULTS.join(', ')} (a region's write also lands zeros in the sector after it)`)
    .option('--reset-server', "recognise a client's DTR/RTS reset sequence and play it to the board with the chip's timing (as esptool's esp_rfc2217_server does)")
    .option('--reset-after <bytes>', 'the chip browns out after BYTES host bytes with BOOT let go: it boots its firmware and the loader is gone (tests)')
    .option('--rom-baud-error <factor>', 'the ROM acknowledges CHANGE_BAUDRATE, then runs its UART at the asked rate times FACTOR; the stub divides right (tests)')
    .option('--raw-follows-chip', 'raw socket:// clients are heard at the rate the chip last agreed to (a link with no DTR/RTS that follows the protocol), not at a fixed 115200')
    .option('--count <n>', 'serve N boards on N consecutive ports, each in its own thread', '1')
    .option('--misbehave <n:b>', `with --count: board N misbehaves (${BEHAVIOURS.join(', ')}); repeatable`, collect, [])
    .option('--ap <name:password>', 'a Wi-Fi network in range of the board (NAME alone: an open network); repeatable', collect, [])
    .option('--no-radio', 'firmware without Wi-Fi (no network module)')
    .action(async (_o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<VirtualBoardFlags>();
      await runCommand<Record<string, unknown>>(flags, async (io) => {
        const base = baseOptions(flags, command.getOptionValueSource('chip') !== 'default');
        const count = Number(flags.count ?? '1');
        const perBoard = parseMisbehave(flags.misbehave, count);
        if (count === 1 && Object.keys(perBoard).length === 0) return serveOne(io, base, flags.flash);
        const pool = await startBoardPool({ count, base, perBoard, ...(flags.flash ? { flashDir: flags.flash } : {}) });
        // Printed even with --json (on stderr there): scripts and tests wait for these lines.
        for (const b of pool.boards) process.stderr.write(`${b.line}\n`);
        io.print(`Try: upyflash detect --port ${pool.boards[0]!.rfc2217}`);
        if (flags.flash) io.print(`Flash contents are kept in ${flags.flash}/board-N.bin`);
        await untilStopped();
        await pool.close();
        io.print('virtual boards stopped');
        return {
          result: {
            chip: base.chip,
            boards: pool.boards.map((b) => ({ index: b.index, rfc2217: b.rfc2217, socket: b.socket, flashFile: b.flashFile ?? null })),
          },
        };
      });
    });
}

async function serveOne(io: { print(line: string): void }, base: ServeBoardOptions, flash: string | undefined) {
  const served = await serveVirtualBoard({ ...base, ...(flash ? { flashFile: flash } : {}) });
  process.stderr.write(`${served.line}\n`);
  io.print(`Try: upyflash detect --port ${served.urls.rfc2217}`);
  if (flash) io.print(`Flash contents are kept in ${flash}`);
  await untilStopped();
  await served.close();
  io.print('virtual board stopped');
  return { result: { chip: base.chip, ...served.urls, flashFile: flash ?? null } };
}

function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function baseOptions(flags: VirtualBoardFlags, chipGiven: boolean): ServeBoardOptions {
  const profile = flags.module !== undefined ? moduleProfile(flags.module) : undefined;
  const chip = profile && !chipGiven ? chipById(profile.chip) : chipById(flags.chip);
  if (!chip) throw new UpyflashError('BAD_ARGUMENT', `Unknown chip "${flags.chip}"; use one of ${CHIP_IDS.join(', ')}.`);
  if (profile && profile.chip !== chip.id) {
    throw new UpyflashError('BAD_ARGUMENT', `--module ${profile.id} is an ${chipById(profile.chip)!.name}, not an ${chip.name}`, { hint: 'Leave --chip out: the module names its chip.' });
  }
  const m = /^(.*):(\d+)$/.exec(flags.listen);
  if (!m) throw new UpyflashError('BAD_ARGUMENT', `--listen ${flags.listen}: expected HOST:PORT, e.g. 127.0.0.1:5555`);
  const behaviour = parseBehaviour(flags.behaviour ?? 'normal', '--behaviour');
  if (flags.boot !== 'normal' && flags.boot !== 'download') {
    throw new UpyflashError('BAD_ARGUMENT', `--boot ${flags.boot}: use normal or download`);
  }
  if (flags.bridge !== undefined && !(VIRTUAL_BRIDGE_IDS as readonly string[]).includes(flags.bridge)) {
    throw new UpyflashError('BAD_ARGUMENT', `--bridge ${flags.bridge}: use one of ${VIRTUAL_BRIDGE_IDS.join(', ')}`);
  }
  if (flags.ramCode !== undefined && flags.ramCode !== 'stub' && flags.ramCode !== 'reboot') {
    throw new UpyflashError('BAD_ARGUMENT', `--ram-code ${flags.ramCode}: use stub or reboot`);
  }
  if (flags.security !== undefined && !(SECURITY_STATES as readonly string[]).includes(flags.security)) {
    throw new UpyflashError('BAD_ARGUMENT', `--security ${flags.security}: use one of ${SECURITY_STATES.join(', ')}`);
  }
  const garbleAbove = flags.garbleAbove !== undefined ? positive(flags.garbleAbove, '--garble-above') : undefined;
  const garbleAfter = flags.garbleAfter !== undefined ? parseSize(flags.garbleAfter, '--garble-after') : undefined;
  const count = Number(flags.count ?? '1');
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new UpyflashError('BAD_ARGUMENT', `--count ${flags.count}: give a whole number of boards from 1 to 64`);
  }
  return {
    chip: chip.id as ChipId,
    host: m[1]!,
    port: Number(m[2]),
    bootMode: flags.boot,
    behaviour,
    linkModel: flags.linkModel !== false,
    flashTiming: flags.flashTiming !== false,
    seed: Number(flags.seed ?? 1),
    ...(flags.flashSize ? { flashBytes: parseSize(flags.flashSize, '--flash-size') } : {}),
    ...(flags.byteErrorRate !== undefined ? { byteErrorRate: Number(flags.byteErrorRate) } : {}),
    ...(flags.bridge !== undefined ? { bridge: flags.bridge } : {}),
    ...(garbleAbove !== undefined ? { garbleAbove } : {}),
    ...(garbleAfter !== undefined ? { garbleAfterBytes: garbleAfter } : {}),
    ...(flags.ramCode === 'reboot' ? { ramCode: 'reboot' as const } : {}),
    ...(flags.security !== undefined ? { security: flags.security as SecurityState } : {}),
    ...(flags.fault !== undefined ? { flashFault: flags.fault } : {}),
    ...(profile ? { module: profile.id } : {}),
    ...(flags.resetServer ? { resetServer: true } : {}),
    ...(flags.radio === false ? { radio: null } : flags.ap.length ? { radio: { accessPoints: flags.ap.map(parseAccessPoint) } } : {}),
    ...(flags.resetAfter !== undefined ? { resetAfterBytes: parseSize(flags.resetAfter, '--reset-after') } : {}),
    ...(flags.romBaudError !== undefined ? { romBaudError: factor(flags.romBaudError, '--rom-baud-error') } : {}),
    ...(flags.rawFollowsChip ? { rawFollowsChip: true } : {}),
  };
}

/** "NAME:PASSWORD" (or "NAME" for an open network); the name ends at the first colon. */
function parseAccessPoint(text: string, index: number): VirtualAccessPoint {
  const colon = text.indexOf(':');
  const ssid = colon < 0 ? text : text.slice(0, colon);
  const password = colon < 0 ? '' : text.slice(colon + 1);
  if (ssid === '' || new TextEncoder().encode(ssid).length > 32) {
    throw new UpyflashError('BAD_ARGUMENT', `--ap ${text}: the network name must be 1 to 32 bytes`, { hint: 'Write --ap "NAME:PASSWORD", e.g. --ap "HomeNet:secret123".' });
  }
  if (password !== '' && (password.length < 8 || password.length > 63)) {
    throw new UpyflashError('BAD_ARGUMENT', `--ap ${text}: a WPA2 password has 8 to 63 characters`);
  }
  return { ssid, password, rssi: -42 - 9 * index, channel: 1 + ((index * 5) % 13) };
}

function parseBehaviour(text: string, what: string): Behaviour {
  if (!(BEHAVIOURS as readonly string[]).includes(text)) {
    throw new UpyflashError('BAD_ARGUMENT', `${what} ${text}: use one of ${BEHAVIOURS.join(', ')}`);
  }
  return text as Behaviour;
}

function positive(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UpyflashError('BAD_ARGUMENT', `${what} ${text}: expected a rate, e.g. 460800`);
  return n;
}

function factor(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0.2 || n > 5) throw new UpyflashError('BAD_ARGUMENT', `${what} ${text}: expected a factor between 0.2 and 5, e.g. 1.54`);
  return n;
}

/** "3:silent" -> {3: {behaviour: 'silent'}}. */
function parseMisbehave(items: readonly string[], count: number): Record<number, Partial<ServeBoardOptions>> {
  const out: Record<number, Partial<ServeBoardOptions>> = {};
  for (const item of items) {
    const m = /^(\d+):(.+)$/.exec(item.trim());
    const index = m ? Number(m[1]) : NaN;
    if (!m || index < 1 || index > count) {
      throw new UpyflashError('BAD_ARGUMENT', `--misbehave ${item}: expected N:BEHAVIOUR with N from 1 to ${count}, e.g. 3:silent`);
    }
    out[index] = { behaviour: parseBehaviour(m[2]!, `--misbehave ${m[1]}:`) };
  }
  return out;
}
