/**
 * `upyflash virtual-board` in a child process with MicroPython already in its flash (a small image with
 * the real banner strings, in a flash file made for the board), up and at its prompt, as a board that
 * was flashed earlier and is plugged in now. For tests of the verbs that talk to MicroPython.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chipById } from '../src/chips/index.js';
import type { ChipId } from '../src/chips/types.js';
import { buildSampleFirmware } from '../src/image/sample.js';
import { ByteReader } from '../src/repl/byte-reader.js';
import { Rfc2217Transport } from '../src/transport/node/rfc2217.js';
import { startBoardProcess, type BoardProcess } from './board-process.js';

export interface MicroPythonBoardProcess extends BoardProcess {
  /** The flash file (it keeps the board's files across restarts). */
  readonly flashFile: string;
}

export async function startMicroPythonBoard(
  chipId: ChipId,
  opts: { flashSize?: string; args?: readonly string[]; flashFile?: string } = {},
): Promise<MicroPythonBoardProcess> {
  const chip = chipById(chipId)!;
  let flashFile = opts.flashFile;
  let dir: string | undefined;
  if (!flashFile) {
    dir = mkdtempSync(join(tmpdir(), 'upyflash-mpy-board-'));
    flashFile = join(dir, 'flash.bin');
    const app = buildSampleFirmware({ chip, appBytes: 160_000 });
    const image = new Uint8Array(chip.bootloaderOffset + app.length).fill(0xff);
    image.set(app, chip.bootloaderOffset);
    writeFileSync(flashFile, image);
  }
  const board = await startBoardProcess({
    chip: chipId,
    flashFile,
    ...(opts.flashSize ? { flashSize: opts.flashSize } : {}),
    ...(opts.args ? { args: opts.args } : {}),
  });
  await waitForPrompt(board.hostPort);
  return {
    ...board,
    flashFile,
    async stop() {
      const code = await board.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** MicroPython starts in a worker after power-on: wait for its prompt so the first verb finds it ready. */
export async function waitForPrompt(hostPort: string, timeoutMs = 20_000): Promise<void> {
  const [host, port] = hostPort.split(':');
  const t = new Rfc2217Transport(`rfc2217://${hostPort}`, { host: host!, port: Number(port) }, 115200);
  await t.open();
  try {
    await new ByteReader(t).readUntil('>>> ', timeoutMs, 'the MicroPython prompt');
  } finally {
    await t.close();
  }
}
