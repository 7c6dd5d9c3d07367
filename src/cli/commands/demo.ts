import type { Command } from 'commander';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32 } from '../../chips/index.js';
import { buildSampleFirmware } from '../../image/sample.js';
import { VirtualBoard } from '../../virtual-board/board.js';
import { micropythonApp } from '../../virtual-board/micropython/index.js';
import { startVirtualBoardServer } from '../../virtual-board/node/server.js';
import { loadStubImage } from '../../stub/node/esptool-js-stubs.js';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { flashCommand } from './flash.js';
import { demoManyBoards } from './demo-many.js';

interface DemoFlags extends GlobalOptions {
  baud?: string;
  fast?: boolean;
  boards?: string;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('no board, no internet: flash a sample MicroPython image onto a virtual ESP32 and see every step')
    .option('-b, --baud <rate>', 'baud rate for the transfer', '921600')
    .option('--fast', 'skip the serial line and flash timing model (instant)')
    .option('--boards <n>', 'a classroom: flash N virtual boards at once, a live row each')
    .action(async (_o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<DemoFlags>();
      if (flags.boards !== undefined) return runCommand(flags, (io) => demoManyBoards(Number(flags.boards), flags, io));
      await runCommand(flags, async (io) => {
        const timed = !flags.fast;
        const board = new VirtualBoard({ chip: 'esp32', linkModel: timed, flashTiming: timed, stubImage: () => loadStubImage(ESP32), app: micropythonApp() });
        const server = await startVirtualBoardServer({ board, port: 0 });
        const port = `rfc2217://${server.host}:${server.port}`;
        const dir = await mkdtemp(join(tmpdir(), 'upyflash-demo-'));
        const file = join(dir, 'ESP32_GENERIC-20251209-v1.27.0-sample.bin');
        try {
          io.print(`1. Started a virtual ESP32 (4MB flash) on ${port}: it answers like Espressif's ROM loader and flasher stub.`);
          const image = buildSampleFirmware({ chip: ESP32 });
          await writeFile(file, image);
          io.print(`2. Built a sample MicroPython image (${image.length} bytes, bootloader + partition table + app) at ${file}.`);
          io.print(`3. Flashing it exactly as \`upyflash flash FILE --port ${port}\` would:`);
          const flashed = await flashCommand(file, { ...flags, port, ...(flags.baud ? { baud: flags.baud } : {}) }, io);
          io.print('4. Flashing it again: unchanged regions are skipped (MD5 compared on the chip).');
          const again = await flashCommand(file, { ...flags, port, ...(flags.baud ? { baud: flags.baud } : {}), bootCheck: false }, io);
          io.print('');
          io.print('Next, with a real board plugged in:');
          io.print('  upyflash ports                 # find the board');
          io.print('  upyflash detect                # chip, MAC, flash size');
          io.print('  upyflash flash                 # fetch and flash the right MicroPython (or pass a .bin)');
          io.print('Or keep playing without one:');
          io.print('  upyflash virtual-board --chip esp32 --listen 127.0.0.1:5555 --flash board.img');
          io.print('  upyflash flash FILE.bin --port rfc2217://127.0.0.1:5555');
          return { result: { port, image: file, first: flashed.result, second: again.result } };
        } finally {
          await server.close();
          board.close();
          await rm(dir, { recursive: true, force: true });
        }
      });
    });
}
