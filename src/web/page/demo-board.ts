import type { ChipId } from '../../chips/types.js';
import type { Transport } from '../../transport/transport.js';
import { endpointTransport } from '../../transport/endpoint-transport.js';
import { boardLeds } from '../../virtual-board/board-leds.js';
import { VirtualBoard } from '../../virtual-board/board.js';
import { micropythonApp } from '../../virtual-board/micropython/index.js';
import { browserStub } from './stub-source.js';
import { chipById } from '../../chips/index.js';
import { UpyflashError } from '../../errors.js';
import type { LedSource } from './board-led.js';
// Vite emits the .wasm as an asset and gives its URL; the package cannot find it by itself once bundled.
import micropythonWasmUrl from '@micropython/micropython-webassembly-pyscript/micropython.wasm?url';

export interface DemoBoard {
  readonly transport: Transport;
  /** The board's LED, when this virtual board models pins (feature-detected). */
  readonly led: LedSource | undefined;
}

/**
 * The demo board: the project's virtual ESP board (ROM loader, auto-reset circuit, flash) with real
 * MicroPython compiled to WebAssembly as its application, running inside the page. It is reached
 * through the same Transport interface as a USB board, so the demo exercises the real flasher code.
 * Loaded on demand (dynamic import) so visitors with a real board never download the wasm.
 */
export async function openDemoBoard(chipId: ChipId): Promise<DemoBoard> {
  const chip = chipById(chipId);
  if (!chip) throw new UpyflashError('BAD_ARGUMENT', `Unknown demo chip ${chipId}`);
  const board = new VirtualBoard({
    chip: chip.id,
    app: micropythonApp({ wasmUrl: micropythonWasmUrl, radio: DEMO_RADIO }),
    // The board recognises the stub when the flasher uploads it (it cannot run Xtensa or RISC-V code).
    stubImage: await browserStub(chip),
  });
  poweredBoards.get(chip.id)?.close();
  poweredBoards.set(chip.id, board);
  return plugIn(board, chip.name);
}

/**
 * The demo board of this chip that an earlier connection left powered (a disconnect unplugs the cable,
 * the board keeps running), plugged in again without any reset; undefined when there is none.
 */
export function reopenDemoBoard(chipId: ChipId): DemoBoard | undefined {
  const board = poweredBoards.get(chipId);
  return board ? plugIn(board, board.chip.name) : undefined;
}

/** Networks in range of the demo board, so the Wi-Fi step and the examples have something to find. */
export const DEMO_RADIO = {
  accessPoints: [
    { ssid: 'DemoNet', password: 'micropython', rssi: -48, channel: 6 },
    { ssid: 'Cafe-Guest', password: '', rssi: -71, channel: 11 },
  ],
};

/** One board per chip stays powered while the page is open, as a board on the desk would. */
const poweredBoards = new Map<ChipId, VirtualBoard>();

function plugIn(board: VirtualBoard, chipName: string): DemoBoard {
  const transport = endpointTransport(board.connect(), `demo board (virtual ${chipName})`);
  return { transport, led: ledSource(board, chipName) };
}

/** The board's LED(s) as the generic module wires them; a chip without a known LED shows none. */
function ledSource(board: VirtualBoard, chipName: string): LedSource | undefined {
  const leds = boardLeds(chipName);
  return leds.length > 0 ? { pins: board.pins, leds } : undefined;
}
