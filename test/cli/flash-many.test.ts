import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESP32 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { pooledBoardUrls, startBoardProcess } from '../../harness/board-process.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { cliPath } from '../../harness/paths.js';

const cleanup = cleanupAfterAll();

interface BoardDoc {
  port: string;
  ok: boolean;
  chip: string | null;
  mac: string | null;
  firmware: string | null;
  md5: string | null;
  seconds: number;
  unchanged?: boolean;
  verified?: boolean;
  error?: { code: string; hint: string; message: string };
  exitCode?: number;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-many-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('flash on many boards', () => {
  it('flashes four boards given with --port: three verified, the silent one E010, exit 3, a JSON result and a CSV line per board', async () => {
    const dir = await tempDir();
    const image = buildSampleFirmware({ chip: ESP32, appBytes: 120_000 });
    const fw = join(dir, 'ESP32_GENERIC-class.bin');
    await writeFile(fw, image);
    const flashDir = join(dir, 'flash');
    const pool = await startBoardProcess({ args: ['--count', '4', '--misbehave', '4:silent', '--flash', flashDir] });
    cleanup(async () => void (await pool.stop()));
    const urls = await pooledBoardUrls(pool, 4);
    const log = join(dir, 'class.csv');

    const run = await runCli(['flash', fw, ...urls.flatMap((u) => ['--port', u]), '--json', '--log', log], { timeoutMs: 150_000 });
    assert.equal(run.code, 3, describeRun(run));
    const doc = cliJson<{ boards: BoardDoc[]; total: number; failed: number }>(run);
    assert.equal(doc.ok, false);
    assert.equal(doc.result?.total, 4);
    assert.equal(doc.result?.failed, 1);
    const byPort = new Map(doc.result!.boards.map((b) => [b.port, b]));
    for (const url of urls.slice(0, 3)) {
      const b = byPort.get(url)!;
      assert.equal(b.ok, true, JSON.stringify(b));
      assert.equal(b.chip, 'ESP32');
      assert.match(b.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      assert.equal(b.firmware, 'ESP32_GENERIC-class.bin');
      assert.equal(b.md5, md5(image));
      assert.equal(b.verified, true);
      assert.ok(b.seconds > 0);
    }
    assert.equal(new Set(urls.slice(0, 3).map((u) => byPort.get(u)!.mac)).size, 3);
    const silent = byPort.get(urls[3]!)!;
    assert.equal(silent.ok, false);
    assert.equal(silent.error?.code, 'E010');
    assert.equal(silent.exitCode, 3);
    assert.match(silent.error?.hint ?? '', /cable/);

    // Progress on stderr: JSON lines, each naming its board.
    const lines = run.stderr.trim().split('\n').map((l) => JSON.parse(l) as { target?: string; event: { type: string; phase?: string } });
    for (const url of urls) assert.ok(lines.some((l) => l.target === url && l.event.type === 'done'), `a done event for ${url}`);
    assert.ok(lines.some((l) => l.target === urls[0] && l.event.type === 'progress' && l.event.phase === 'write'));

    const csv = (await readFile(log, 'utf8')).trim().split('\n');
    assert.equal(csv[0], 'time,port,chip,mac,firmware,md5,seconds,result');
    assert.equal(csv.length, 5);
    for (const url of urls.slice(0, 3)) assert.ok(csv.some((l) => l.includes(url) && l.endsWith(',written') && l.includes(md5(image))), `CSV line for ${url}`);
    assert.ok(csv.some((l) => l.includes(urls[3]!) && l.endsWith(',E010')));

    assert.equal(await pool.stop(), 0);
    for (const i of [1, 2, 3]) {
      const flash = readFileSync(join(flashDir, `board-${i}.bin`));
      assert.deepEqual(new Uint8Array(flash.subarray(0x1000, 0x1000 + image.length)), image, `board ${i} holds the image`);
    }
  });

  it('prints a row per board and a summary table without --json; --log appends without a second header', async () => {
    const dir = await tempDir();
    const image = buildSampleFirmware({ chip: ESP32, appBytes: 60_000 });
    const fw = join(dir, 'fw.bin');
    await writeFile(fw, image);
    const pool = await startBoardProcess({ args: ['--count', '2'] });
    cleanup(async () => void (await pool.stop()));
    const urls = await pooledBoardUrls(pool, 2);
    const log = join(dir, 'log.csv');
    await writeFile(log, 'time,port,chip,mac,firmware,md5,seconds,result\n');
    const run = await runCli(['flash', fw, '--port', urls[0]!, '--port', urls[1]!, '--jobs', '1', '--no-boot-check', '--log', log], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    assert.match(run.stdout, /^PORT +CHIP +MAC +RESULT +SECONDS +MD5 \/ ERROR$/m);
    for (const url of urls) {
      assert.match(run.stdout, new RegExp(`^${url.replace(/[.:/]/g, '\\$&')} +ESP32 +[0-9a-f:]{17} +written`, 'm'));
      assert.match(run.stderr, new RegExp(`^${url.replace(/[.:/]/g, '\\$&')}: OK written`, 'm'));
    }
    assert.match(run.stdout, /2 of 2 boards OK, 0 failed\./);
    const csv = (await readFile(log, 'utf8')).trim().split('\n');
    assert.equal(csv.filter((l) => l.startsWith('time,')).length, 1);
    assert.equal(csv.length, 3);
  });

  it('--all flashes every ESP-looking port of the listing and nothing else', async () => {
    const dir = await tempDir();
    const fw = join(dir, 'fw.bin');
    await writeFile(fw, buildSampleFirmware({ chip: ESP32, appBytes: 40_000 }));
    const pool = await startBoardProcess({ args: ['--count', '2'] });
    cleanup(async () => void (await pool.stop()));
    const urls = await pooledBoardUrls(pool, 2);
    const listing = join(dir, 'ports.json');
    await writeFile(
      listing,
      JSON.stringify({
        platform: 'linux',
        ports: [
          { path: urls[0], vendorId: '10c4', productId: 'ea60' },
          { path: urls[1], vendorId: '1a86', productId: '7523' },
          { path: 'rfc2217://127.0.0.1:1', vendorId: '046d', productId: 'c52b' },
        ],
      }),
    );
    const run = await runCli(['flash', fw, '--all', '--json', '--no-boot-check'], { env: { ...process.env, UPYFLASH_TEST_PORT_LISTING: listing }, timeoutMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    const boards = cliJson<{ boards: BoardDoc[] }>(run).result!.boards;
    assert.deepEqual(boards.map((b) => b.port).sort(), [...urls].sort());
  });

  it('--watch flashes each board as it is plugged in, once; skips what already holds the image; reports one pulled out mid-write', async () => {
    const dir = await tempDir();
    const image = buildSampleFirmware({ chip: ESP32, appBytes: 300_000 });
    const fw = join(dir, 'fw.bin');
    await writeFile(fw, image);
    const pool = await startBoardProcess({ args: ['--count', '2'] });
    cleanup(async () => void (await pool.stop()));
    const [a, b] = await pooledBoardUrls(pool, 2);
    // The board that gets pulled out: a real serial line and flash timing, so its write takes seconds.
    const slow = await startBoardProcess({ linkModel: true, flashTiming: true });
    cleanup(async () => void (await slow.stop()));
    const listing = join(dir, 'ports.json');
    const plug = async (ports: { path: string; serialNumber?: string }[]) => {
      // Written whole, then renamed: the station never reads half a listing.
      await writeFile(`${listing}.tmp`, JSON.stringify({ platform: 'linux', ports: ports.map((p) => ({ vendorId: '10c4', productId: 'ea60', ...p })) }));
      await rename(`${listing}.tmp`, listing);
    };
    await plug([]);
    const station = startStation(['flash', fw, '--watch', '--json', '--no-boot-check', '--baud', '115200'], { ...process.env, UPYFLASH_TEST_PORT_LISTING: listing });
    cleanup(() => station.kill());

    const done = (port: string, n = 1) => station.waitFor((l) => l.target === port && l.event.type === 'done', n);
    await plug([{ path: a!, serialNumber: 'SER-A' }]);
    await done(a!);
    // A pulled-out board that comes back with the same serial number is the same board: left alone.
    await plug([]);
    await station.sleep(1200);
    await plug([{ path: a!, serialNumber: 'SER-A' }]);
    // A board without a serial number (a CH340 on that socket) plugged in: flashed; plugged in again: unchanged.
    await plug([{ path: a!, serialNumber: 'SER-A' }, { path: b! }]);
    await done(b!);
    await plug([{ path: a!, serialNumber: 'SER-A' }]);
    await station.sleep(1200);
    await plug([{ path: a!, serialNumber: 'SER-A' }, { path: b! }]);
    await done(b!, 2);
    // The slow board: pulled out (listing and line) once its write has begun.
    await plug([{ path: a!, serialNumber: 'SER-A' }, { path: b! }, { path: slow.rfc2217 }]);
    await station.waitFor((l) => l.target === slow.rfc2217 && l.event.type === 'progress' && l.event.phase === 'write');
    await plug([{ path: a!, serialNumber: 'SER-A' }, { path: b! }]);
    await slow.stop();
    await done(slow.rfc2217);

    const run = await station.interrupt();
    assert.equal(run.code, 3, run.stderr);
    const boards = (JSON.parse(run.stdout) as { result: { boards: BoardDoc[] } }).result.boards;
    const of = (port: string) => boards.filter((x) => x.port === port);
    assert.equal(of(a!).length, 1, 'board A flashed once, not again after it came back');
    assert.equal(of(a!)[0]!.ok, true);
    assert.equal(of(a!)[0]!.unchanged, false);
    assert.deepEqual(of(b!).map((x) => [x.ok, x.unchanged]), [[true, false], [true, true]], 'board B written, then found unchanged');
    assert.equal(of(slow.rfc2217).length, 1);
    assert.equal(of(slow.rfc2217)[0]!.ok, false);
    assert.equal(of(slow.rfc2217)[0]!.error?.code, 'E016');
    assert.match(run.stderr, /not flashed again/);
    assert.match(run.stderr, /boards so far: 4 \(2 flashed, 1 unchanged, 1 failed\)/);
  });
});

describe('flags that belong to one board', () => {
  it('--backup, --keep-files and --watch with --port are refused with several boards (exit 2), before any port is opened', async () => {
    for (const extra of [['--backup', 'x.img'], ['--keep-files'], ['--watch']]) {
      const run = await runCli(['flash', 'missing.bin', '--port', 'rfc2217://127.0.0.1:1', '--port', 'rfc2217://127.0.0.1:2', ...extra]);
      assert.equal(run.code, 2, describeRun(run));
      assert.match(run.stderr, /^error E036: /m);
    }
  });
});

describe('demo --boards', () => {
  it('starts N virtual boards in threads and flashes them all at once', async () => {
    const run = await runCli(['demo', '--boards', '2', '--fast', '--json'], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, describeRun(run));
    const doc = cliJson<{ boards: number; flash: { boards: BoardDoc[] } }>(run);
    assert.equal(doc.result?.boards, 2);
    assert.deepEqual(doc.result?.flash.boards.map((b) => [b.ok, b.chip, b.unchanged]), [
      [true, 'ESP32', false],
      [true, 'ESP32', false],
    ]);
    assert.notEqual(doc.result?.flash.boards[0]!.mac, doc.result?.flash.boards[1]!.mac);
  });
});

interface StationLine {
  target?: string;
  event: { type: string; phase?: string; message?: string };
}

/** The CLI as a long-running subprocess whose JSON event lines the test can wait for, stopped with Ctrl-C. */
function startStation(args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = (): StationLine[] =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as StationLine);
  return {
    sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)),
    async waitFor(match: (l: StationLine) => boolean, count = 1, timeoutMs = 90_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (lines().filter(match).length < count) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`station: no such event line yet\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async interrupt(): Promise<{ code: number | null; stdout: string; stderr: string }> {
      child.kill('SIGINT');
      const code = await exit;
      return { code, stdout, stderr };
    },
    kill: () => void (child.exitCode === null && child.kill('SIGKILL')),
  };
}
