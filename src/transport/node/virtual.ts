/**
 * Node-only: `virtual:CHIP[?flash=PATH&boot=download]` — an in-process virtual board behind the
 * endpoint transport. Loaded lazily by open.ts, so the board and its MicroPython runtime stay out of
 * the way of real serial ports.
 */
import { chipById } from '../../chips/index.js';
import { UpyflashError } from '../../errors.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../virtual-board/board.js';
import type { FlashStore } from '../../virtual-board/flash-memory.js';
import { micropythonApp } from '../../virtual-board/micropython/index.js';
import { fileFlashStore } from '../../virtual-board/node/flash-file.js';
import { loadStubImage } from '../../stub/node/esptool-js-stubs.js';
import { endpointTransport } from '../endpoint-transport.js';
import { formatTransportSpec, type TransportSpec } from '../spec.js';
import type { Transport } from '../transport.js';

type VirtualSpec = Extract<TransportSpec, { kind: 'virtual' }>;

/**
 * Flash contents of board specs without a file, kept for the life of the process: each openTransport
 * powers a new board, and a later command in the same process (flash, then the REPL boot check)
 * must find what the earlier one wrote, as it would on a board that stayed plugged in.
 */
const memoryFlash = new Map<string, Uint8Array>();

function processMemoryStore(key: string): FlashStore {
  return {
    load(size: number): Uint8Array | undefined {
      const saved = memoryFlash.get(key);
      return saved && saved.length === size ? saved.slice() : undefined;
    },
    save(data: Uint8Array): void {
      memoryFlash.set(key, data.slice());
    },
  };
}

export async function openVirtualTransport(
  spec: VirtualSpec,
  opts: { baud: number; virtual?: Partial<VirtualBoardOptions> },
): Promise<Transport> {
  const chip = chipById(spec.chip);
  if (!chip) throw new UpyflashError('BAD_ARGUMENT', `Unknown chip for the virtual board: ${spec.chip}`);
  const board = new VirtualBoard({
    chip: chip.id,
    app: micropythonApp(),
    stubImage: () => loadStubImage(chip),
    store: spec.flashPath ? fileFlashStore(spec.flashPath) : processMemoryStore(chip.id),
    ...(spec.bootMode ? { bootMode: spec.bootMode } : {}),
    ...opts.virtual,
  });
  const transport = endpointTransport(board.connect(), formatTransportSpec(spec), {
    baud: opts.baud,
    onClose: () => board.close(),
  });
  await transport.open();
  return transport;
}
