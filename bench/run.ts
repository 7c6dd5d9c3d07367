/**
 * Flash benchmark (not a test): a 1.7 MB sample MicroPython image with ~66 % zlib ratio is flashed onto
 * a virtual ESP32 running in ANOTHER process (`upyflash virtual-board`, line and flash timing modelled)
 * over rfc2217://, through the CLI's own flash code path, at several baud rates (and --baud auto on a
 * virtual CH343): onto erased flash, again unchanged, a build with only the app changed, and onto flash
 * holding another build. Writes bench/results.json.
 *
 * Definitions (the same in the printed header):
 * - wall = the whole `flash` job as a user waits for it: open the port, reset and connect, detect,
 *   stub upload, baud change, compare, write, verify, hard reset. Boot check excluded.
 * - wire bytes = EVERY byte the job put on the wire host->chip (SLIP framed), in all phases.
 * - line time = those bytes at 10 bits (8N1) each, at the rate each actually crossed at. Host->chip is
 *   the direction that bounds a flash job (replies are ~1 % of it, see "c->h"); both run at once.
 * - flash time = the modeled erase + program time of what was written on the virtual board, with the
 *   stub's blank-sector erase skip (flash-ceiling.ts), from what the flash held before.
 * - limit = max(line time, flash time): no client sending these bytes can be faster.
 * - efficiency = limit / wall.
 * Per-phase breakdown: wall seconds, host->chip bytes and their line time.
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
 * Options: --bauds 921600,2000000,auto (default 115200,460800,921600,2000000,auto; auto = --baud auto on a
 * virtual CH343); --jobs blank,default,reflash,changed-app,written (default all: full flash (--no-skip) onto
 * erased flash, the default job (compare first) onto erased flash, same-image reflash, a build with only
 * the app changed, full flash onto flash holding another build, safe-order: the default job with and
 * without a reset, on a healthy ROM and one that sets a wrong rate, bench/safe-order.ts);
 * --no-faults skips the fault run; --faults runs only the fault run; --no-esptool-js skips the
 * comparison, which otherwise runs at the bench rates from 460800 up (at every --bauds rate when given).
 * --many runs only the many-boards section (bench/many.ts: 1, 4, 8, 16 boards at once); --no-many
 * leaves it out. --compression runs only the compression section (bench/compression.ts: zlib levels and
 * zopfli on the sample image and on real MicroPython code); --no-compression leaves it out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESP32 } from '../src/chips/index.js';
import { flashCommand } from '../src/cli/commands/flash.js';
import type { CommandIo } from '../src/cli/run-command.js';
import type { PhaseStat } from '../src/flasher/phase-meter.js';
import type { FlashResult } from '../src/flasher/session.js';
import { buildSampleFirmware } from '../src/image/sample.js';
import { concatBytes } from '../src/platform/bytes.js';
import { type ProgressEvent, Reporter } from '../src/progress.js';
import { startBoardProcess } from '../harness/board-process.js';
import { compareWithEsptoolJs } from './compare.js';
import { faultRun } from './fault-run.js';
import { modeledFlashBusySeconds } from './flash-ceiling.js';
import { manyBoardsBench } from './many.js';
import { compressionBench } from './compression.js';
import { safeOrderRows } from './safe-order.js';

interface PhaseRow {
  phase: string;
  seconds: number;
  bytesOut: number;
  bytesIn: number;
  wireOutSeconds: number;
}

type Kind = 'full' | 'default' | 'reflash' | 'changed-app' | `safe: ${string}`;
type Flash = 'blank' | 'written';

interface Row {
  chip: string;
  /** The rate asked for: a number, or 'auto' (on a virtual CH343). */
  baudAsked: number | 'auto';
  /** The rate the job wrote at. */
  baud: number;
  kind: Kind;
  /** What the flash held before: erased, or another firmware. */
  flash: Flash;
  imageBytes: number;
  wireBytes: number;
  wallSeconds: number;
  /** Line time: every host->chip byte at 10 bits at the baud it crossed at. */
  lineSeconds: number;
  /** Modeled erase + program time of what was written (stub v1.2 blank-sector skip). */
  flashSeconds: number;
  /** max(line, flash). */
  limitSeconds: number;
  /** limit / wall. */
  efficiency: number;
  /** chip->host bytes, all phases (not part of the line time; shown so the choice can be checked). */
  wireBytesIn: number;
  writtenBytes: number;
  retries: number;
  /** Wall time of the check over the whole image after the last write (0: nothing written, the compare was the check). */
  finalCheckSeconds: number;
  phases: PhaseRow[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_BAUDS: readonly (number | 'auto')[] = [115200, 460800, 921600, 2000000, 'auto'];
const ALL_JOBS = ['blank', 'default', 'reflash', 'changed-app', 'written', 'safe-order'] as const;
type Job = (typeof ALL_JOBS)[number];
const FLASH_BYTES = 4 * 1024 * 1024;

function listArg(argv: readonly string[], name: string): string[] | undefined {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1]!.split(',');
}

function parseBauds(argv: readonly string[]): (number | 'auto')[] {
  const l = listArg(argv, '--bauds');
  return l ? l.map((b) => (b === 'auto' ? 'auto' : Number(b))) : [...DEFAULT_BAUDS];
}

interface RunSpec {
  url: string;
  baud: number | 'auto';
  kind: Kind;
  flash: Flash;
  file: string;
  image: Uint8Array;
  /** What the flash held before, from address 0 (for the flash-time model). */
  prior: Uint8Array | undefined;
  before?: 'default-reset' | 'no-reset';
}

async function run(spec: RunSpec): Promise<Row> {
  // The hard reset happens after flash() returns its result; time it from its phase event.
  let resetAt: number | undefined;
  // The final check (flasher/final-check.ts): from its "Checking all ..." line to the first "Verified:" line.
  let checkFrom: number | undefined;
  let checkTo: number | undefined;
  const sink = {
    emit(e: ProgressEvent) {
      if (e.type !== 'phase') return;
      if (e.phase === 'reset') resetAt = performance.now();
      if (e.phase === 'verify' && e.message.startsWith('Checking all ')) checkFrom = performance.now();
      if (e.phase === 'verify' && e.message.startsWith('Verified:') && checkTo === undefined) checkTo = performance.now();
    },
  };
  const io: CommandIo = { reporter: new Reporter(sink), json: true, print() {} };
  const t0 = performance.now();
  const flags = { port: spec.url, baud: String(spec.baud), skip: spec.kind !== 'full', bootCheck: false, ...(spec.before ? { before: spec.before } : {}) };
  const { result } = await flashCommand(spec.file, flags, io);
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
  const lineSeconds = r.phases.reduce((n, p) => n + p.outSeconds, 0);
  const flashSeconds = modeledFlashBusySeconds(r.written, FLASH_BYTES, spec.prior);
  const limitSeconds = Math.max(lineSeconds, flashSeconds);
  return {
    chip: 'esp32',
    baudAsked: spec.baud,
    baud: r.baud,
    kind: spec.kind,
    flash: spec.flash,
    imageBytes: spec.image.length,
    wireBytes: r.phases.reduce((n, p) => n + p.bytesOut, 0),
    wallSeconds: round(wallSeconds),
    lineSeconds: round(lineSeconds),
    flashSeconds: round(flashSeconds),
    limitSeconds: round(limitSeconds),
    efficiency: round(wallSeconds > 0 ? limitSeconds / wallSeconds : 0),
    wireBytesIn: r.phases.reduce((n, p) => n + p.bytesIn, 0),
    writtenBytes: r.writtenBytes,
    retries: r.retries,
    finalCheckSeconds: checkFrom !== undefined && checkTo !== undefined ? round((checkTo - checkFrom) / 1000) : 0,
    phases,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const HEADER =
  'baud      flash    kind         wall s  line s  flash s  limit s  effic.  wire bytes h->c  (c->h)  written\n' +
  '  line = every host->chip byte of the job at 10 bits/byte at the baud it crossed at; flash = modeled erase+program time of what was\n' +
  '  written (esp-flasher-stub v1.2, blank-sector erase skip); limit = max(line, flash); efficiency = limit / wall (the whole job)';

function printRow(row: Row): void {
  const baud = row.baudAsked === 'auto' ? `auto>${row.baud}` : String(row.baud);
  console.log(
    `${baud.padEnd(9)} ${row.flash.padEnd(7)}  ${row.kind.padEnd(row.kind.startsWith('safe') ? 26 : 11)}  ${row.wallSeconds.toFixed(2).padStart(6)}  ${row.lineSeconds.toFixed(2).padStart(6)}  ${row.flashSeconds.toFixed(2).padStart(7)}  ${row.limitSeconds.toFixed(2).padStart(7)}  ${row.efficiency.toFixed(3).padStart(6)}  ${String(row.wireBytes).padStart(15)}  ${String(row.wireBytesIn).padStart(6)}  ${row.writtenBytes}`,
  );
  const parts = row.phases
    .filter((p) => p.seconds >= 0.0005 || p.bytesOut > 0)
    .map((p) => `${p.phase} ${p.seconds.toFixed(3)}s${p.bytesOut ? ` ${p.bytesOut}B/${p.wireOutSeconds.toFixed(3)}s` : ''}`);
  console.log(`    phases: ${parts.join(' | ')}`);
  if (row.finalCheckSeconds > 0) console.log(`    final check (whole image, after the last write): ${row.finalCheckSeconds.toFixed(3)}s = ${((100 * row.finalCheckSeconds) / row.wallSeconds).toFixed(1)}% of wall`);
}

const argv = process.argv.slice(2);
const bauds = parseBauds(argv);
const jobs = (listArg(argv, '--jobs') ?? [...ALL_JOBS]) as Job[];
const image = buildSampleFirmware({ chip: ESP32, appBytes: 1_700_000, compressibility: 0.66 });
// Another MicroPython build: different version and app, everything else different too (seed): what a
// board bought with other firmware holds.
const other = buildSampleFirmware({ chip: ESP32, appBytes: 1_700_000, compressibility: 0.66, version: '1.26.1', seed: 2 });
// "Changed app only": this image's bootloader and partition table (flash 0x1000-0xffff), the other build's app.
const APP_IN_FILE = ESP32.appOffset - ESP32.bootloaderOffset;
const changedApp = concatBytes([image.subarray(0, APP_IN_FILE), other.subarray(APP_IN_FILE)]);
const manyFile = join(root, 'bench', 'many-results.json');
// --many: only the many-boards section (bench/many.ts); --no-many: everything but it.
if (argv.includes('--many')) {
  await manyBoardsBench({ image, outFile: manyFile });
  process.exit(0);
}
// --compression: only the compression section; --no-compression: everything but it.
if (argv.includes('--compression')) {
  await compressionBench(image, join(root, 'bench', 'compression-results.json'));
  process.exit(0);
}
if (!argv.includes('--faults')) {
  const rows = await speedBench();
  if (!argv.includes('--no-esptool-js')) {
    const numeric = bauds.filter((b): b is number => b !== 'auto');
    const compareBauds = argv.includes('--bauds') ? numeric : numeric.filter((b) => b >= 460800);
    const ours = rows
      .filter((r) => r.baudAsked !== 'auto' && ((r.kind === 'full' && r.flash === 'blank') || r.kind === 'reflash'))
      .map((r) => ({ baud: r.baudAsked as number, kind: r.kind as 'full' | 'reflash', wallSeconds: r.wallSeconds, wireBytes: r.wireBytes }));
    await compareWithEsptoolJs({ image, offset: ESP32.bootloaderOffset, bauds: compareBauds, upyflash: ours, outFile: join(root, 'bench', 'compare-results.json') });
  }
}
if (!argv.includes('--no-faults')) await faultBench();
if (!argv.includes('--no-many') && !argv.includes('--faults')) await manyBoardsBench({ image, outFile: manyFile });
if (!argv.includes('--no-compression') && !argv.includes('--faults')) await compressionBench(image, join(root, 'bench', 'compression-results.json'));

function atBootloader(img: Uint8Array): Uint8Array {
  const out = new Uint8Array(ESP32.bootloaderOffset + img.length).fill(0xff);
  out.set(img, ESP32.bootloaderOffset);
  return out;
}

async function speedBench(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-bench-'));
  // --baud auto remembers per bridge: keep the bench's memory out of the user's cache.
  process.env['UPYFLASH_CACHE_DIR'] = join(dir, 'cache');
  const file = join(dir, 'ESP32_GENERIC-bench.bin');
  const changedFile = join(dir, 'ESP32_GENERIC-bench-changed-app.bin');
  await writeFile(file, image);
  await writeFile(changedFile, changedApp);
  const rows: Row[] = [];
  const show = (row: Row) => {
    rows.push(row);
    printRow(row);
  };
  try {
    console.log(`image ${image.length} bytes (zlib level 9: ${deflateSync(image, { level: 9 }).length} bytes); virtual ESP32 in another process, a fresh one per baud rate and flash state`);
    console.log(`jobs: ${jobs.join(', ')}; auto = --baud auto on a virtual CH343 (rfc2217 ?bridge=ch343)`);
    console.log(HEADER);
    for (const baud of bauds) {
      const bridge = baud === 'auto' ? ['--bridge', 'ch343'] : [];
      const suffix = baud === 'auto' ? '?bridge=ch343' : '';
      if (jobs.some((j) => j !== 'written')) {
        const board = await startBoardProcess({ chip: 'esp32', flashFile: join(dir, `flash-${baud}.img`), linkModel: true, flashTiming: true, args: bridge });
        const url = board.rfc2217 + suffix;
        try {
          if (jobs.includes('blank')) show(await run({ url, baud, kind: 'full', flash: 'blank', file, image, prior: undefined }));
          if (jobs.includes('reflash')) show(await run({ url, baud, kind: 'reflash', flash: 'written', file, image, prior: atBootloader(image) }));
          if (jobs.includes('changed-app')) show(await run({ url, baud, kind: 'changed-app', flash: 'written', file: changedFile, image: changedApp, prior: atBootloader(image) }));
        } finally {
          await board.stop();
        }
      }
      if (jobs.includes('default')) {
        // The job as a user runs it, compare included (`full` is --no-skip, as esptool-js does), onto erased flash.
        const board = await startBoardProcess({ chip: 'esp32', flashFile: join(dir, `flash-default-${baud}.img`), linkModel: true, flashTiming: true, args: bridge });
        try {
          show(await run({ url: board.rfc2217 + suffix, baud, kind: 'default', flash: 'blank', file, image, prior: undefined }));
        } finally {
          await board.stop();
        }
      }
      if (jobs.includes('safe-order') && baud !== 'auto') {
        for (const row of await safeOrderRows(dir, baud, (url, c) => run({ url, baud, kind: `safe: ${c.name}`, flash: 'blank', file, image, prior: undefined, before: c.before }))) show(row);
      }
      if (jobs.includes('written')) {
        // A board that holds another firmware: the flash file starts with it.
        const flashFile = join(dir, `flash-written-${baud}.img`);
        const prior = new Uint8Array(FLASH_BYTES).fill(0xff);
        prior.set(other, ESP32.bootloaderOffset);
        await writeFile(flashFile, prior);
        const board = await startBoardProcess({ chip: 'esp32', flashFile, linkModel: true, flashTiming: true, args: bridge });
        try {
          show(await run({ url: board.rfc2217 + suffix, baud, kind: 'full', flash: 'written', file, image, prior }));
        } finally {
          await board.stop();
        }
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
