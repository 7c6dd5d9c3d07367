import { buildEspImage } from '../src/image/esp-image-writer.js';
import type { AppFactory } from '../src/virtual-board/app-runtime.js';
import { VirtualBoard, type VirtualBoardOptions } from '../src/virtual-board/board.js';
import type { BoardEndpoint } from '../src/transport/endpoint.js';
import { ManualClock } from '../src/virtual-board/manual-clock.js';
import { startVirtualBoardServer, type VirtualBoardServer, type VirtualBoardServerOptions } from '../src/virtual-board/node/server.js';
import type { Cleanup } from './cleanups.js';
import { ByteCollector } from './collect.js';

/** An application that says hello and echoes what it hears: enough to watch bytes cross the UART. */
export const echoApp: AppFactory = (ctx) => {
  ctx.uartWrite(new TextEncoder().encode('hello\r\n'));
  return { input: (d) => ctx.uartWrite(d), stop: () => {} };
};

/** Where the ESP32 ROM looks for the image it boots. */
export const ESP32_BOOT_OFFSET = 0x1000;

/** The smallest ESP32 image the ROM boots: one segment (`data`, 16 zero bytes unless given) into DRAM. */
export function tinyEsp32Image(data: Uint8Array = new Uint8Array(16)): Uint8Array {
  return buildEspImage({
    format: 'esp32',
    flashMode: 2,
    flashSizeCode: 2,
    flashFreqCode: 0,
    entry: 0x40080400,
    extended: { chipId: 0 },
    segments: [{ loadAddress: 0x3fff0030, data }],
  });
}

export const TINY_ESP32_IMAGE = tinyEsp32Image();

/**
 * An ESP32 on modeled time with TINY_ESP32_IMAGE in flash and a host plugged in, collecting what the
 * chip sends. Nothing runs until the test advances the clock (the power-on reset is pending).
 */
export class FlashedBoard {
  readonly clock = new ManualClock();
  readonly board: VirtualBoard;
  readonly port: BoardEndpoint;
  private readonly rx: ByteCollector;

  constructor(opts: Partial<VirtualBoardOptions> & { app: AppFactory }) {
    this.board = new VirtualBoard({ chip: 'esp32', flashTiming: false, clock: this.clock, ...opts });
    this.board.flash.program(ESP32_BOOT_OFFSET, TINY_ESP32_IMAGE);
    this.port = this.board.connect();
    this.rx = new ByteCollector(this.port);
  }

  /** Bytes received and not yet taken. */
  get count(): number {
    return this.rx.count;
  }

  take(): Uint8Array {
    return this.rx.take();
  }
}

/** Serves `board` on a free TCP port; the board and the server are closed through `onCleanup`. */
export async function serveBoard(
  board: VirtualBoard,
  onCleanup: (...cleanups: Cleanup[]) => void,
  opts: Omit<VirtualBoardServerOptions, 'board' | 'port'> = {},
): Promise<VirtualBoardServer> {
  const server = await startVirtualBoardServer({ board, port: 0, ...opts });
  onCleanup(() => board.close(), () => server.close());
  return server;
}
