/**
 * Flash benchmark (not a test): a 1.7 MB sample MicroPython image with ~66 % zlib ratio is flashed onto
 * a virtual ESP32 running in ANOTHER process (`upyflash virtual-board`, line and flash timing modelled)
 * over rfc2217://, through the CLI's own flash code path, at several baud rates; then flashed again
 * unchanged. Writes bench/results.json.
 *
 * Definitions (the same in the printed header):
 * - wall = the whole `flash` job as a user waits for it: open the port, reset and connect, detect,
 *   stub upload, baud change, compare, write, verify, hard reset. Boot check excluded.
 * - wireBytes = EVERY byte the job put on the wire host->chip (SLIP framed), in all phases.
 * - wireLimitSeconds = the line time of those bytes, each byte at 10 bits (8N1) at the rate it actually
 *   crossed at (sync and whatever precedes the baud change at 115200, the rest at the bench rate).
 *   It is the least time a perfect client needs to send what this one sent.
 * - efficiency = wireLimitSeconds / wallSeconds: how much of the wall time the host->chip line was busy.
 *   Host->chip is the direction that bounds a flash job (replies are ~1 % of it, see "in" bytes);
 *   the two directions run at once, so adding them would overstate the limit.
 * Per-phase breakdown: wall seconds, host->chip and chip->host bytes and the host->chip line time.
 * flash busy = the modeled flash chip time (erase + program at the board's datasheet timings) for
 * what was written: a ceiling no baud rate can beat; where it exceeds the write phase's line time the
 * job is flash-bound.
 *
 * Then the fault run (bench/fault-run.ts, the same code as test/flasher-fault-run.test.ts): 200 flashes
 * through the library API over a line corrupting 1e-4 of the host->chip bytes plus one pulled cable,
 * each verdict checked against the board's flash; summary and every run in bench/fault-results.json.
 *
 * Then the esptool-js comparison (bench/esptool-js.ts): Espressif's esptool-js 0.7.0 does the same job
 * (its own reset, sync, stub, baud change, compressed write, MD5 verify, hard reset) over rfc2217 to a
 * fresh board process with the same link model and flash timing; full flash and unchanged reflash
 * (esptool-js has no skip, so it writes everything again). Writes bench/compare-results.json.
 *
 * Each baud rate gets a fresh board process (erased flash) for each client.
 *
 * Options: --bauds 921600,2000000 (default 115200,460800,921600,2000000); --no-faults skips the fault
 * run; --faults runs only the fault run; --no-esptool-js skips the comparison, which otherwise runs at
 * the bench rates from 460800 up (at every --bauds rate when --bauds is given). --many runs only the
 * many-boards section (bench/many.ts: 1, 4, 8, 16 boards at once); --no-many leaves it out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESP32 } from '../src/chips/index.js';
import { flashCommand } from '../src/cli/commands/flash.js';
import type { CommandIo } from '../src/cli/run-command.js';
import type { PhaseStat } from '../src/flasher/phase-meter.js';
import type { FlashResult } from '../src/flasher/session.js';
import { buildSampleFirmware } from '../src/image/sample.js';
import { type ProgressEvent, Reporter } from '../src/progress.js';
import { startBoardProcess } from '../harness/board-process.js';
import { compareWithEsptoolJs } from './compare.js';
import { faultRun } from './fault-run.js';
import { modeledFlashBusySeconds } from './flash-ceiling.js';
import { manyBoardsBench } from './many.js';

interface PhaseRow {
  phase: string;
  seconds: number;
  bytesOut: number;
  bytesIn: number;
  wireOutSeconds: number;
}

interface Row {
  chip: string;
  baud: number;
  kind: 'full' | 'reflash';
  imageBytes: number;
  wireBytes: number;
  wallSeconds: number;
  wireLimitSeconds: number;
  efficiency: number;
  /** chip->host bytes, all phases (not part of the wire limit; shown so the choice can be checked). */
  wireBytesIn: number;
  /** Modeled flash erase + program time for what was written (0 when nothing was). */
  flashBusySeconds: number;
  retries: number;
  phases: PhaseRow[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_BAUDS = [115200, 460800, 921600, 2000000];
const FLASH_BYTES = 4 * 1024 * 1024;

function parseBauds(argv: readonly string[]): number[] {
  const i = argv.indexOf('--bauds');
  if (i < 0) return DEFAULT_BAUDS;
  return argv[i + 1]!.split(',').map(Number);
}

async function run(file: string, url: string, baud: number, kind: Row['kind'], imageBytes: number): Promise<Row> {
  // The hard reset happens after flash() returns its result; time it from its phase event.
  let resetAt: number | undefined;
  const sink = {
    emit(e: ProgressEvent) {
      if (e.type === 'phase' && e.phase === 'reset') resetAt = performance.now();
    },
  };
  const io: CommandIo = { reporter: new Reporter(sink), json: true, print() {} };
  const t0 = performance.now();
  const { result } = await flashCommand(file, { port: url, baud: String(baud), skip: kind === 'reflash', bootCheck: false }, io);
  const t1 = performance.now();
  const r = result as unknown as FlashResult;
  const wallSeconds = (t1 - t0) / 1000;
  const phases: PhaseRow[] = r.phases.map((p: PhaseStat) => ({
    phase: p.phase,
    seconds: round(p.seconds),
    bytesOut: p.bytesOut,
    bytesIn: p.bytesIn,
    wireOutSeconds: round(p.outSeconds),
  }));
  const measured = r.phases.reduce((n, p) => n + p.seconds, 0);
  const reset = resetAt !== undefined ? (t1 - resetAt) / 1000 : 0;
  phases.push({ phase: 'reset', seconds: round(reset), bytesOut: 0, bytesIn: 0, wireOutSeconds: 0 });
  phases.push({ phase: 'other', seconds: round(wallSeconds - measured - reset), bytesOut: 0, bytesIn: 0, wireOutSeconds: 0 });
  const wireBytes = r.phases.reduce((n, p) => n + p.bytesOut, 0);
  const wireLimitSeconds = r.phases.reduce((n, p) => n + p.outSeconds, 0);
  return {
    chip: 'esp32',
    baud,
    kind,
    imageBytes,
    wireBytes,
    wallSeconds: round(wallSeconds),
    wireLimitSeconds: round(wireLimitSeconds),
    efficiency: round(wallSeconds > 0 ? wireLimitSeconds / wallSeconds : 0),
    wireBytesIn: r.phases.reduce((n, p) => n + p.bytesIn, 0),
    flashBusySeconds: round(modeledFlashBusySeconds(r.written, FLASH_BYTES)),
    retries: r.retries,
    phases,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const HEADER =
  'chip   baud     kind     wall s  wire bytes h->c  (c->h)  wire-limit s  efficiency  flash busy s\n' +
  '  wire = every host->chip byte of the job, all phases; wire-limit = their line time at the baud each crossed at (10 bits/byte);\n' +
  '  efficiency = wire-limit / wall; flash busy = modeled erase+program time of what was written (flash-bound ceiling)';

function printRow(row: Row): void {
  console.log(
    `${row.chip}  ${String(row.baud).padEnd(7)}  ${row.kind.padEnd(7)}  ${row.wallSeconds.toFixed(2).padStart(6)}  ${String(row.wireBytes).padStart(15)}  ${String(row.wireBytesIn).padStart(6)}  ${row.wireLimitSeconds.toFixed(2).padStart(12)}  ${row.efficiency.toFixed(3).padStart(10)}  ${row.flashBusySeconds.toFixed(2).padStart(12)}`,
  );
  const parts = row.phases
    .filter((p) => p.seconds >= 0.0005 || p.bytesOut > 0)
    .map((p) => `${p.phase} ${p.seconds.toFixed(3)}s${p.bytesOut ? ` ${p.bytesOut}B/${p.wireOutSeconds.toFixed(3)}s` : ''}`);
  console.log(`    phases: ${parts.join(' | ')}`);
}

const argv = process.argv.slice(2);
const bauds = parseBauds(argv);
const image = buildSampleFirmware({ chip: ESP32, appBytes: 1_700_000, compressibility: 0.66 });
const manyFile = join(root, 'bench', 'many-results.json');
// --many: only the many-boards section (bench/many.ts); --no-many: everything but it.
if (argv.includes('--many')) {
  await manyBoardsBench({ image, outFile: manyFile });
  process.exit(0);
}
if (!argv.includes('--faults')) {
  const rows = await speedBench();
  if (!argv.includes('--no-esptool-js')) {
    const compareBauds = argv.includes('--bauds') ? bauds : bauds.filter((b) => b >= 460800);
    await compareWithEsptoolJs({ image, offset: ESP32.bootloaderOffset, bauds: compareBauds, upyflash: rows, outFile: join(root, 'bench', 'compare-results.json') });
  }
}
if (!argv.includes('--no-faults')) await faultBench();
if (!argv.includes('--no-many') && !argv.includes('--faults')) await manyBoardsBench({ image, outFile: manyFile });

async function speedBench(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-bench-'));
  const file = join(dir, 'ESP32_GENERIC-bench.bin');
  await writeFile(file, image);
  const rows: Row[] = [];
  try {
    console.log(`image ${image.length} bytes; virtual ESP32 in another process (a fresh one, erased, per baud rate)`);
    console.log(HEADER);
    for (const baud of bauds) {
      const board = await startBoardProcess({ chip: 'esp32', flashFile: join(dir, `flash-${baud}.img`), linkModel: true, flashTiming: true });
      try {
        for (const kind of ['full', 'reflash'] as const) {
          const row = await run(file, board.rfc2217, baud, kind, image.length);
          rows.push(row);
          printRow(row);
        }
      } finally {
        await board.stop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const out = join(root, 'bench', 'results.json');
  await writeFile(out, JSON.stringify(rows, null, 2) + '\n');
  console.log(`wrote ${out}`);
  return rows;
}

async function faultBench(): Promise<void> {
  const RUNS = 200;
  const faultImage = buildSampleFirmware({ chip: ESP32, appBytes: 60_000 });
  console.log(`\nfault run: ${RUNS} flashes of ${faultImage.length} bytes at 1e-4 host->chip byte errors + 1 pulled cable (in-process boards, link model off, 8 at a time)`);
  const s = await faultRun(faultImage, { runs: RUNS, disconnects: 1, byteErrorRate: 1e-4, concurrency: 8 });
  const failed = s.outcomes.filter((o) => !o.reportedSuccess).map((o) => `seed ${o.seed}: ${o.errorCode ?? 'not verified'}`);
  console.log(
    `  ${s.succeeded}/${s.runs} succeeded (${(s.successRate * 100).toFixed(1)} %), false successes: ${s.falseSuccesses}, region retries: ${s.totalRetries}, ` +
      `slowest run ${Math.max(...s.outcomes.map((o) => o.seconds)).toFixed(1)} s, total ${s.seconds.toFixed(1)} s`,
  );
  if (failed.length) console.log(`  failed: ${failed.join('; ')}`);
  const out = join(root, 'bench', 'fault-results.json');
  await writeFile(out, JSON.stringify({ byteErrorRate: 1e-4, imageBytes: faultImage.length, ...s }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}
