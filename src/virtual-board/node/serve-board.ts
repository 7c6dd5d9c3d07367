import type { ChipId } from '../../chips/types.js';
import { chipById } from '../../chips/index.js';
import { UpyflashError } from '../../errors.js';
import { loadStubImage } from '../../stub/node/esptool-js-stubs.js';
import { VirtualBoard, type FaultOptions, type VirtualBoardOptions } from '../board.js';
import { defaultIdentity, moduleIdentity, type ChipIdentity } from '../chip-identity.js';
import { moduleProfile } from '../modules.js';
import { boardChip } from '../chips.js';
import { FLASH_FAULTS, type FlashWriteFaults, parseFlashFault } from '../flash-faults.js';
import { SecurityUnsupported, securedIdentity, type SecurityState } from '../security-state.js';
import { micropythonApp } from '../micropython/index.js';
import type { RadioFacts } from '../micropython/interpreter-protocol.js';
import { bridgeLabel, virtualBridgeById, type BridgeLinkOptions } from '../usb-bridge.js';
import { fileFlashStore } from './flash-file.js';
import { startVirtualBoardServer, type VirtualBoardServer } from './server.js';

/**
 * One complete virtual board on TCP, as `upyflash virtual-board` serves it: the chip with Espressif's
 * stub, MicroPython after flashing, an optional flash file and USB bridge, behind the RFC 2217/raw
 * server. The options are plain data so that a worker thread can be given them (board-pool.ts).
 */

export type Behaviour = NonNullable<VirtualBoardOptions['behaviour']>;
export const BEHAVIOURS: readonly Behaviour[] = ['normal', 'silent', 'no-sync', 'ignore-reset'];

export interface ServeBoardOptions {
  chip: ChipId;
  host: string;
  /** 0: any free port. */
  port: number;
  flashFile?: string;
  flashBytes?: number;
  bootMode?: 'normal' | 'download';
  behaviour?: Behaviour;
  linkModel?: boolean;
  flashTiming?: boolean;
  byteErrorRate?: number;
  seed?: number;
  /** A VIRTUAL_BRIDGES id: cp2102, cp2102n, ch340, ch343, ch9102, ft232r, native. */
  bridge?: string;
  /** Corrupt bytes at host rates above this (tests; overrides the bridge's own limit). */
  garbleAbove?: number;
  /** Garbling above the limit starts only after this many host bytes (a link that goes bad mid-job). */
  garbleAfterBytes?: number;
  /** A program started with MEM_END that is no known flasher stub: run it as a generic stub, or reboot into it. */
  ramCode?: 'stub' | 'reboot';
  /** Set in a pool: the board's MAC carries its number, so that boards on one host tell apart. */
  boardIndex?: number;
  /** eFuses burnt for a locked-down chip: Secure Download Mode, flash encryption or secure boot. */
  security?: SecurityState;
  /** A flash fault (flash-faults.ts): "stray-write", "stray-write:N" or "stray-write:always". */
  flashFault?: string;
  /** A real part's eFuses, flash size and USB console (modules.ts); its chip must be `chip`. */
  module?: string;
  /** Play a client's DTR/RTS reset sequences with the chip's timing (server.ts resetServer). */
  resetServer?: boolean;
  /** The Wi-Fi networks in range (`--ap`); null: firmware without a radio; undefined: a radio that finds none. */
  radio?: RadioFacts | null;
  /** The chip browns out after this many host bytes with BOOT let go: it boots its firmware, the loader is gone. */
  resetAfterBytes?: number;
  /** The ROM runs its UART at the asked rate times this after CHANGE_BAUDRATE (identity.romBaudError). */
  romBaudError?: number;
  /** Raw socket:// clients are heard at the rate the chip's loader agreed (server.ts rawFollowsChip). */
  rawFollowsChip?: boolean;
}

export interface ServedBoard {
  readonly board: VirtualBoard;
  readonly server: VirtualBoardServer;
  /** "virtual ESP32 listening on rfc2217://... (DTR/RTS and baud) and socket://... (raw)[, via ...]" */
  readonly line: string;
  readonly urls: { rfc2217: string; socket: string };
  close(): Promise<void>;
}

export async function serveVirtualBoard(opts: ServeBoardOptions): Promise<ServedBoard> {
  const chip = chipById(opts.chip);
  if (!chip) throw new UpyflashError('BAD_ARGUMENT', `Unknown chip for the virtual board: ${opts.chip}`);
  const profile = opts.module !== undefined ? moduleProfile(opts.module) : undefined;
  const usbBridge = profile && profile.usb !== 'uart' ? 'native' : undefined;
  const bridge = opts.bridge !== undefined ? virtualBridgeById(opts.bridge) : usbBridge ? virtualBridgeById(usbBridge) : undefined;
  const flashBytes = opts.flashBytes ?? profile?.flashBytes;
  const seed = opts.seed ?? 1;
  const mac = opts.boardIndex !== undefined ? defaultIdentity(chip, flashBytes ?? chip.defaultFlashBytes).mac : undefined;
  if (mac) mac[3] = opts.boardIndex! & 0xff;
  const fromModule = profile ? moduleIdentity(profile, boardChip(opts.chip)) : {};
  const secured = securityOf(opts);
  const identity: Partial<ChipIdentity> = {
    ...(mac ? { mac } : {}),
    ...fromModule,
    ...secured,
    ...(fromModule.registers || secured.registers ? { registers: { ...fromModule.registers, ...secured.registers } } : {}),
    ...(opts.romBaudError !== undefined ? { romBaudError: opts.romBaudError } : {}),
  };
  const faults = faultsOf(opts, seed);
  const board = new VirtualBoard({
    chip: opts.chip,
    bootMode: opts.bootMode ?? 'normal',
    behaviour: opts.behaviour ?? 'normal',
    linkModel: opts.linkModel !== false,
    flashTiming: opts.flashTiming !== false,
    stubImage: () => loadStubImage(chip),
    app: micropythonApp(opts.radio !== undefined ? { radio: opts.radio } : {}),
    ...(opts.ramCode ? { ramCode: opts.ramCode } : {}),
    ...(opts.flashFile ? { store: fileFlashStore(opts.flashFile) } : {}),
    ...(flashBytes ? { flashBytes } : {}),
    ...(faults ? { faults } : {}),
    ...(opts.flashFault !== undefined ? { flashFaults: flashFaultOf(opts.flashFault) } : {}),
    ...(bridge && bridge.carriesUpTo === undefined ? { nativeUsb: true } : {}),
    ...(Object.keys(identity).length ? { identity } : {}),
  });
  const link: BridgeLinkOptions | undefined =
    bridge || opts.garbleAbove !== undefined
      ? {
          seed,
          ...(bridge ? { bridge } : {}),
          ...(opts.garbleAbove !== undefined ? { garbleAbove: opts.garbleAbove } : {}),
          ...(opts.garbleAfterBytes !== undefined ? { garbleAfterBytes: opts.garbleAfterBytes } : {}),
        }
      : undefined;
  let server: VirtualBoardServer;
  try {
    server = await startVirtualBoardServer({
      board,
      host: opts.host,
      port: opts.port,
      ...(link ? { bridge: link } : {}),
      ...(opts.resetServer ? { resetServer: true } : {}),
      ...(opts.rawFollowsChip ? { rawFollowsChip: true } : {}),
    });
  } catch (err) {
    board.close();
    throw err;
  }
  const hostPort = `${server.host}:${server.port}`;
  const urls = { rfc2217: `rfc2217://${hostPort}`, socket: `socket://${hostPort}` };
  const via = bridge ? `, via ${bridgeLabel(bridge)}` : '';
  const what = profile ? `${chip.name} (${profile.id}: ${profile.title})` : chip.name;
  const line = `virtual ${what} listening on ${urls.rfc2217} (DTR/RTS and baud) and ${urls.socket} (raw)${via}`;
  return {
    board,
    server,
    line,
    urls,
    async close() {
      await server.close();
      board.close();
    },
  };
}

function faultsOf(opts: ServeBoardOptions, seed: number): FaultOptions | undefined {
  if (opts.byteErrorRate === undefined && opts.resetAfterBytes === undefined) return undefined;
  return {
    seed,
    ...(opts.byteErrorRate !== undefined ? { byteErrorRate: opts.byteErrorRate } : {}),
    ...(opts.resetAfterBytes !== undefined ? { resetAfterBytes: opts.resetAfterBytes, bootReleasedBeforeReset: true } : {}),
  };
}

function flashFaultOf(text: string): FlashWriteFaults {
  const fault = parseFlashFault(text);
  if (!fault) throw new UpyflashError('BAD_ARGUMENT', `--fault ${text}: use one of ${FLASH_FAULTS.join(', ')}`);
  return fault;
}

function securityOf(opts: ServeBoardOptions): Partial<ChipIdentity> {
  if (!opts.security) return {};
  try {
    return securedIdentity(boardChip(opts.chip), opts.security);
  } catch (e) {
    if (e instanceof SecurityUnsupported) throw new UpyflashError('BAD_ARGUMENT', `--security ${opts.security}: ${e.message}`);
    throw e;
  }
}
