/**
 * The "many boards" section: 1, 4, 8 and 16 virtual ESP32s in one `virtual-board --count N` process
 * (serial line and flash timing modelled), flashed at once by flashMany at one baud rate from this
 * process. Reports the wall time for all N, that time relative to one board, and host CPU seconds per
 * board: this process's (process.cpuUsage) plus the board process's (/proc/PID/stat), both over the
 * flash only. A fresh board process (erased flash) per N.
 *
 * Goal on a 2-core machine: 8 boards within 1.2x of one board's wall time, 16 within 1.5x.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { openTransportFor, sessionOptions } from '../src/cli/connect-options.js';
import { flashMany } from '../src/flasher/flash-many.js';
import { analyzeFirmware } from '../src/image/firmware-file.js';
import { pooledBoardUrls, startBoardProcess } from '../harness/board-process.js';

export interface ManyRow {
  boards: number;
  baud: number;
  ok: number;
  wallSeconds: number;
  /** Wall time over the 1-board wall time. */
  relative: number;
  slowestBoardSeconds: number;
  flasherCpuSeconds: number;
  boardProcessCpuSeconds: number;
  cpuSecondsPerBoard: number;
}

export interface ManyBenchOptions {
  image: Uint8Array;
  counts?: readonly number[];
  baud?: number;
  outFile?: string;
}

/** utime + stime of a process, in seconds (Linux; undefined elsewhere). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function flashN(n: number, image: Uint8Array, baud: number): Promise<Omit<ManyRow, 'relative'>> {
  const board = await startBoardProcess({ chip: 'esp32', linkModel: true, flashTiming: true, args: ['--count', String(n)] });
  try {
    // `--count 1` serves the one board the usual way (main thread, no "board i:" lines).
    const served = n === 1 ? [board.rfc2217] : await pooledBoardUrls(board, n);
    // 16 emulated chips share this machine's 2 cores with the flasher: an RFC 2217 control reply can
    // take longer than the default 3 s there (real USB ports have no such server), so allow 10 s.
    const urls = served.map((u) => `${u}?timeout=10`);
    const fw = analyzeFirmware(image, 'ESP32_GENERIC-bench.bin');
    const boardCpu0 = processCpuSeconds(board.pid);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const results = await flashMany(urls, {
      job: { firmware: { file: fw }, bootCheck: false },
      session: sessionOptions({ baud: String(baud) }),
      open: openTransportFor,
    });
    const wallSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const boardCpu = (processCpuSeconds(board.pid) ?? NaN) - (boardCpu0 ?? NaN);
    const flasherCpu = (cpu.user + cpu.system) / 1e6;
    const failed = results.filter((r) => !r.ok);
    if (failed.length) console.log(`  ${failed.length} failed: ${failed.map((r) => `${r.port} ${r.error?.code} ${r.error?.message}`).join('; ')}`);
    return {
      boards: n,
      baud,
      ok: results.length - failed.length,
      wallSeconds: round(wallSeconds),
      slowestBoardSeconds: round(Math.max(...results.map((r) => r.seconds))),
      flasherCpuSeconds: round(flasherCpu),
      boardProcessCpuSeconds: round(boardCpu),
      cpuSecondsPerBoard: round((flasherCpu + boardCpu) / n),
    };
  } finally {
    await board.stop();
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export async function manyBoardsBench(opts: ManyBenchOptions): Promise<ManyRow[]> {
  const counts = opts.counts ?? [1, 4, 8, 16];
  const baud = opts.baud ?? 921600;
  console.log(`\nmany boards: ${opts.image.length} bytes to N virtual ESP32s at once (one --count N process, link and flash timing modelled) at ${baud}`);
  console.log('boards  ok  wall s  x one  slowest s  flasher cpu s  boards cpu s  cpu s/board');
  const rows: ManyRow[] = [];
  let one: number | undefined;
  for (const n of counts) {
    const r = await flashN(n, opts.image, baud);
    one ??= r.wallSeconds;
    const row = { ...r, relative: round(r.wallSeconds / one) };
    rows.push(row);
    console.log(
      `${String(n).padStart(6)}  ${String(row.ok).padStart(2)}  ${row.wallSeconds.toFixed(2).padStart(6)}  ${row.relative.toFixed(2).padStart(5)}  ` +
        `${row.slowestBoardSeconds.toFixed(2).padStart(9)}  ${row.flasherCpuSeconds.toFixed(2).padStart(13)}  ${row.boardProcessCpuSeconds.toFixed(2).padStart(12)}  ${row.cpuSecondsPerBoard.toFixed(3).padStart(11)}`,
    );
  }
  const at = (n: number) => rows.find((r) => r.boards === n)?.relative;
  const goal = [
    [8, 1.2],
    [16, 1.5],
  ] as const;
  for (const [n, limit] of goal) {
    const rel = at(n);
    if (rel !== undefined) console.log(`  ${n} boards: ${rel.toFixed(2)}x one board (goal <= ${limit}x): ${rel <= limit ? 'met' : 'MISSED'}`);
  }
  if (opts.outFile) {
    await writeFile(opts.outFile, JSON.stringify(rows, null, 2) + '\n');
    console.log(`wrote ${opts.outFile}`);
  }
  return rows;
}

/** Alone: `node dist/bench/many.js [--counts 1,4,8,16] [--baud 921600]`. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildSampleFirmware } = await import('../src/image/sample.js');
  const { ESP32 } = await import('../src/chips/index.js');
  const argv = process.argv.slice(2);
  const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const counts = arg('--counts')?.split(',').map(Number);
  const baud = arg('--baud') ? Number(arg('--baud')) : undefined;
  await manyBoardsBench({
    image: buildSampleFirmware({ chip: ESP32, appBytes: 1_700_000, compressibility: 0.66 }),
    ...(counts ? { counts } : {}),
    ...(baud ? { baud } : {}),
  });
}
