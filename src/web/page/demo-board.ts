import type { ChipId } from '../../chips/types.js';
import type { Transport } from '../../transport/transport.js';
import { endpointTransport } from '../../transport/endpoint-transport.js';
import { VirtualBoard } from '../../virtual-board/board.js';
import { micropythonApp } from '../../virtual-board/micropython/index.js';
import { browserStub } from './stub-source.js';
import { chipById } from '../../chips/index.js';
import { UpyflashError } from '../../errors.js';
// Vite emits the .wasm as an asset and gives its URL; the package cannot find it by itself once bundled.
import micropythonWasmUrl from '@micropython/micropython-webassembly-pyscript/micropython.wasm?url';

/**
 * The demo board: the project's virtual ESP board (ROM loader, auto-reset circuit, flash) with real
 * MicroPython compiled to WebAssembly as its application, running inside the page. It is reached
 * through the same Transport interface as a USB board, so the demo exercises the real flasher code.
 * Loaded on demand (dynamic import) so visitors with a real board never download the wasm.
 */
export async function openDemoBoard(chipId: ChipId): Promise<Transport> {
  const chip = chipById(chipId);
  if (!chip) throw new UpyflashError('BAD_ARGUMENT', `Unknown demo chip ${chipId}`);
  const board = new VirtualBoard({
    chip: chip.id,
    app: micropythonApp({ wasmUrl: micropythonWasmUrl }),
    // The board recognises the stub when the flasher uploads it (it cannot run Xtensa or RISC-V code).
    stubImage: await browserStub(chip),
  });
  return endpointTransport(board.connect(), `demo board (virtual ${chip.name})`, { onClose: () => board.close() });
}
