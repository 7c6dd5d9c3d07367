/**
 * `demo --boards N`: a classroom without boards. N virtual ESP32s (each in its own thread, with the
 * serial line and flash timing modelled) flashed all at once, a live row per board, then the summary.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32 } from '../../chips/index.js';
import { UpyflashError } from '../../errors.js';
import { buildSampleFirmware } from '../../image/sample.js';
import { startBoardPool } from '../../virtual-board/node/board-pool.js';
import type { CommandIo, CommandResult, GlobalOptions } from '../run-command.js';
import { flashCommand } from './flash.js';

export async function demoManyBoards(count: number, flags: GlobalOptions & { baud?: string; fast?: boolean }, io: CommandIo): Promise<CommandResult<object>> {
  if (!Number.isInteger(count) || count < 1 || count > 64) throw new UpyflashError('BAD_ARGUMENT', `--boards ${count}: give a number of boards from 1 to 64`);
  const timed = !flags.fast;
  io.print(`1. Starting ${count} virtual ESP32 boards, each in its own thread, on their own ports...`);
  const pool = await startBoardPool({ count, base: { chip: 'esp32', host: '127.0.0.1', port: 0, linkModel: timed, flashTiming: timed } });
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-demo-'));
  try {
    const file = join(dir, 'ESP32_GENERIC-20251209-v1.27.0-sample.bin');
    const image = buildSampleFirmware({ chip: ESP32 });
    await writeFile(file, image);
    const ports = pool.boards.map((b) => b.rfc2217);
    io.print(`2. Built a sample MicroPython image (${image.length} bytes).`);
    io.print(`3. Flashing all ${count} at once, as \`upyflash flash FILE ${ports.map((p) => `--port ${p}`).join(' ')}\` would:`);
    const flashed = await flashCommand(file, { ...flags, port: ports.at(-1)!, ports, ...(flags.baud ? { baud: flags.baud } : {}), bootCheck: false }, io);
    io.print('');
    io.print('With real boards: `upyflash flash FILE --all` (every board plugged in), or `--watch` to flash each one as it is plugged in.');
    return { result: { boards: count, image: file, flash: flashed.result }, ...(flashed.exitCode !== undefined ? { exitCode: flashed.exitCode } : {}) };
  } finally {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}
