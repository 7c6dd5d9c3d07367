/**
 * Flash benchmark (not a test): a 1.7 MB sample MicroPython image with ~66 % zlib ratio is flashed onto
 * a virtual ESP32 running in ANOTHER process (`upyflash virtual-board`, line and flash timing modelled)
 * over rfc2217://, through the CLI's own flash code path, at several baud rates; then flashed again
 * unchanged. Writes bench/results.json.
 *
 * wireBytes = host->chip bytes after SLIP framing during the write phase (the FLASH_DEFL_* traffic),
 * which is what bounds the write; wireLimitSeconds = wireBytes * 10 / baud (8N1);
 * efficiency = wireLimitSeconds / wallSeconds, wall = the whole `flash` job (connect, stub, baud
 * change, compare, write, verify, reset), boot check excluded.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESP32 } from '../src/chips/index.js';
import { flashCommand } from '../src/cli/commands/flash.js';
import type { CommandIo } from '../src/cli/run-command.js';
import type { FlashResult } from '../src/flasher/session.js';
import { buildSampleFirmware } from '../src/image/sample.js';
import { Reporter } from '../src/progress.js';

interface Row {
  chip: string;
  baud: number;
  kind: 'full' | 'reflash';
  imageBytes: number;
  wireBytes: number;
  wallSeconds: number;
  wireLimitSeconds: number;
  efficiency: number;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BAUDS = [115200, 460800, 921600, 2000000];

async function startBoardProcess(flashFile: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'upyflash.js'), 'virtual-board', '--chip', 'esp32', '--listen', '127.0.0.1:0', '--flash', flashFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /(rfc2217:\/\/[\d.]+:\d+)/.exec(text);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`virtual-board exited (${code}): ${text}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const quietIo: CommandIo = { reporter: new Reporter(), json: true, print() {} };

async function run(file: string, url: string, baud: number, kind: Row['kind'], imageBytes: number): Promise<Row> {
  const t0 = performance.now();
  const { result } = await flashCommand(file, { port: url, baud: String(baud), skip: kind === 'reflash', bootCheck: false }, quietIo);
  const wallSeconds = (performance.now() - t0) / 1000;
  const r = result as unknown as FlashResult;
  const wireLimitSeconds = (r.wireBytes * 10) / baud;
  return {
    chip: 'esp32',
    baud,
    kind,
    imageBytes,
    wireBytes: r.wireBytes,
    wallSeconds: round(wallSeconds),
    wireLimitSeconds: round(wireLimitSeconds),
    efficiency: round(wallSeconds > 0 ? wireLimitSeconds / wallSeconds : 0),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const dir = await mkdtemp(join(tmpdir(), 'upyflash-bench-'));
const image = buildSampleFirmware({ chip: ESP32, appBytes: 1_700_000, compressibility: 0.66 });
const file = join(dir, 'ESP32_GENERIC-bench.bin');
await writeFile(file, image);
const board = await startBoardProcess(join(dir, 'flash.img'));
const rows: Row[] = [];
try {
  console.log(`image ${image.length} bytes; virtual ESP32 in another process at ${board.url}`);
  console.log('chip   baud     kind     wall s  wire bytes  wire-limit s  efficiency');
  for (const baud of BAUDS) {
    for (const kind of ['full', 'reflash'] as const) {
      const row = await run(file, board.url, baud, kind, image.length);
      rows.push(row);
      console.log(
        `${row.chip}  ${String(baud).padEnd(7)}  ${kind.padEnd(7)}  ${row.wallSeconds.toFixed(2).padStart(6)}  ${String(row.wireBytes).padStart(10)}  ${row.wireLimitSeconds.toFixed(2).padStart(12)}  ${row.efficiency.toFixed(3)}`,
      );
    }
  }
} finally {
  await board.stop();
  await rm(dir, { recursive: true, force: true });
}
const out = join(root, 'bench', 'results.json');
await writeFile(out, JSON.stringify(rows, null, 2) + '\n');
console.log(`wrote ${out}`);
