/**
 * Issue 22: no step that cannot be undone. A virtual ESP32 whose ROM acknowledges CHANGE_BAUDRATE and
 * then runs its UART at 1.54 times the asked rate (--rom-baud-error; the stub divides right), flashed by
 * the CLI in another process: over socket:// (no reset lines) the stub goes up at the sync rate and
 * changes the rate itself, so nothing fails; over rfc2217:// (a proven reset) the ROM may go first,
 * and a rate it does not hold is undone by a reset, with at most one warning. A board that stops
 * answering mid-job where nothing can reset it ends with E017 within seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

const cleanup = cleanupAfterAll();
const image = buildSampleFirmware({ chip: ESP32, appBytes: 1_700_000, compressibility: 0.66 });
const FAULT = ['--rom-baud-error', '1.54'];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-links-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function firmwareFile(dir: string): Promise<string> {
  const fw = join(dir, 'ESP32_GENERIC-test.bin');
  await writeFile(fw, image);
  return fw;
}

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));

interface Case {
  readonly name: string;
  readonly link: 'socket' | 'rfc2217';
  readonly extra: readonly string[];
  readonly baud: number;
  readonly maxWarnings: number;
}

const CASES: readonly Case[] = [
  { name: 'socket:// --before no-reset, default baud', link: 'socket', extra: ['--before', 'no-reset'], baud: 115200, maxWarnings: 0 },
  { name: 'socket:// --before no-reset, --baud 921600', link: 'socket', extra: ['--before', 'no-reset', '--baud', '921600'], baud: 921600, maxWarnings: 0 },
  { name: 'rfc2217:// --before no-reset (lines, no reset), default baud', link: 'rfc2217', extra: ['--before', 'no-reset'], baud: 921600, maxWarnings: 0 },
  { name: 'rfc2217:// with reset, default baud', link: 'rfc2217', extra: [], baud: 921600, maxWarnings: 1 },
  { name: 'rfc2217:// with reset, --baud 921600', link: 'rfc2217', extra: ['--baud', '921600'], baud: 921600, maxWarnings: 1 },
];

for (const c of CASES) {
  test(`--rom-baud-error 1.54, ${c.name}: 1.7 MB verified at ${c.baud} baud, at most ${c.maxWarnings} warning(s)`, { timeout: 240_000 }, async () => {
    const dir = await tempDir();
    const fw = await firmwareFile(dir);
    const flashFile = join(dir, 'flash.bin');
    // Without reset lines the board must already be in download mode (BOOT held).
    const boot = c.extra.includes('no-reset') ? 'download' : 'normal';
    const board = await startBoardProcess({ chip: 'esp32', flashFile, boot, args: [...FAULT, '--raw-follows-chip'] });
    cleanup(async () => void (await board.stop()));
    const port = c.link === 'socket' ? board.socket : board.rfc2217;
    const run = await runCli(['--json', 'flash', fw, '--port', port, '--no-boot-check', '--after', 'no-reset', ...c.extra], { timeoutMs: 200_000 });
    await board.stop();
    assert.equal(run.code, 0, describeRun(run));
    const r = cliJson<{ verified: boolean; stub: boolean; baud: number }>(run).result!;
    assert.equal(r.verified, true);
    assert.equal(r.stub, true, 'the stub ran');
    assert.equal(r.baud, c.baud);
    const w = warnings(run.stderr);
    assert.ok(w.length <= c.maxWarnings, `at most ${c.maxWarnings} warning(s):\n${w.join('\n')}`);
    const flash = new Uint8Array(await readFile(flashFile));
    assert.deepEqual(flash.subarray(ESP32.bootloaderOffset, ESP32.bootloaderOffset + image.length), image, 'the board holds the image');
  });
}

test('--no-stub without a reset: the ROM loader keeps the sync rate (a wrong ROM rate could not be undone), verified', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  const fw = await firmwareFile(dir);
  const board = await startBoardProcess({ chip: 'esp32', boot: 'download', args: FAULT });
  cleanup(async () => void (await board.stop()));
  const run = await runCli(['--json', 'flash', fw, '--port', board.rfc2217, '--before', 'no-reset', '--no-stub', '--no-boot-check', '--after', 'no-reset'], { timeoutMs: 100_000 });
  await board.stop();
  assert.equal(run.code, 0, describeRun(run));
  const r = cliJson<{ verified: boolean; stub: boolean; baud: number }>(run).result!;
  assert.deepEqual([r.verified, r.stub, r.baud], [true, false, 115200]);
  assert.match(run.stderr, /Staying at 115200 baud with the ROM loader: no reset on this link/);
  assert.equal(warnings(run.stderr).length, 0, run.stderr);
});

test('a board lost mid-job on a link without a reset: E017 (exit 3) within 20 s, one error, no retry of every region', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  const fw = await firmwareFile(dir);
  // The chip browns out 300 KB into the job with BOOT let go: it boots its firmware, the loader is gone.
  const board = await startBoardProcess({ chip: 'esp32', boot: 'download', args: ['--reset-after', '300K'] });
  cleanup(async () => void (await board.stop()));
  const started = Date.now();
  const run = await runCli(['--json', 'flash', fw, '--port', board.socket, '--before', 'no-reset', '--no-boot-check', '--after', 'no-reset'], { timeoutMs: 90_000 });
  const seconds = (Date.now() - started) / 1000;
  await board.stop();
  assert.equal(run.code, 3, describeRun(run));
  const doc = cliJson(run);
  assert.equal(doc.error?.code, 'E017', describeRun(run));
  assert.match(doc.error?.message ?? '', /stopped answering/);
  assert.match(doc.error?.hint ?? '', /BOOT/);
  assert.match(doc.error?.hint ?? '', /EN/);
  // The whole run (connect and 300 KB included) ends well within 20 s of the chip's last answer.
  assert.ok(seconds < 20, `took ${seconds} s`);
  assert.ok(warnings(run.stderr).length <= 1, run.stderr);
  assert.doesNotMatch(run.stderr, /retry 2/);
});
