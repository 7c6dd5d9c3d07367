/**
 * Issue 11: a link that goes bad *after* the baud change proved itself (the virtual board's bridge
 * garbles a quarter of the bytes above 460800 once it has carried a set amount at that rate). The CLI,
 * in another process, must step the rate down once, say so in one short line, finish at the lower rate
 * with every region MD5-verified, and keep per-region details behind --verbose. A rate the user chose
 * with --baud is kept, and the job fails with E014 instead of retrying for ever. Reads step down too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { Prng } from '../../src/platform/prng.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

const FLASH_BYTES = 4 * 1024 * 1024;
/** Garbling starts this far into the traffic above 460800: well into the write, after the proof. */
const GOES_BAD_AFTER = '150K';
const BAD_LINK = ['--garble-above', '460800', '--garble-after', GOES_BAD_AFTER];
const MAX_WARNING = 160;
const STEP = /^warning: 921600 baud kept failing mid-job \(([^)]+)\); continuing at (\d+) baud\.$/;

const image = buildSampleFirmware({ chip: ESP32, appBytes: 600_000 });

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));

async function flashThroughBadLink(globals: readonly string[], verbArgs: readonly string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-slowdown-'));
  const fw = join(dir, 'ESP32_GENERIC-test.bin');
  const flashFile = join(dir, 'flash.bin');
  await writeFile(fw, image);
  const board = await startBoardProcess({ chip: 'esp32', flashFile, args: BAD_LINK });
  try {
    const run = await runCli([...globals, 'flash', fw, '--port', board.rfc2217, '--no-boot-check', '--after', 'no-reset', ...verbArgs], { timeoutMs: 240_000 });
    await board.stop();
    return { run, flash: new Uint8Array(await readFile(flashFile)) };
  } finally {
    await board.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

test('a link that goes bad mid-write at 921600: one short warning, the rest written at a lower rate, verified; details only with --verbose', { timeout: 600_000 }, async () => {
  const { run, flash } = await flashThroughBadLink([]);
  assert.equal(run.code, 0, describeRun(run));
  assert.deepEqual(flash.subarray(ESP32.bootloaderOffset, ESP32.bootloaderOffset + image.length), image, 'the board holds the image');
  assert.match(run.stdout, /Verified \(MD5/);
  const lines = warnings(run.stderr);
  const steps = lines.filter((l) => STEP.test(l));
  assert.equal(steps.length, 1, `exactly one line about the step:\n${lines.join('\n')}`);
  const rate = Number(STEP.exec(steps[0]!)![2]);
  assert.ok(rate < 921600 && rate >= 115200, `stepped to ${rate}`);
  for (const l of lines) assert.ok(l.length <= MAX_WARNING, `warning longer than ${MAX_WARNING} characters: ${l}`);
  // Retry lines count regions; they never list them.
  for (const l of lines.filter((x) => /regions failed/.test(x))) assert.match(l, /^warning: \d+ of \d+ regions failed \([^)]+\); writing them again/);
  assert.doesNotMatch(run.stderr, /failed regions:|region 0x[0-9a-f]+\+\d+ failed/, 'per-region details are debug output');

  const verbose = await flashThroughBadLink(['--verbose']);
  assert.equal(verbose.run.code, 0, describeRun(verbose.run));
  assert.match(verbose.run.stderr, /region 0x[0-9a-f]+\+\d+ failed at 921600 baud: /);
  assert.match(verbose.run.stderr, /failed regions: 0x[0-9a-f]+\+/);
  assert.equal(warnings(verbose.run.stderr).filter((l) => STEP.test(l)).length, 1);
});

test('--baud 921600 through a link that goes bad mid-write: the rate is kept as asked (one warning), then E014 names the fix', { timeout: 600_000 }, async () => {
  const { run } = await flashThroughBadLink(['--json'], ['--baud', '921600']);
  assert.notEqual(run.code, 0, describeRun(run));
  const doc = cliJson(run);
  assert.equal(doc.ok, false);
  assert.equal(doc.error?.code, 'E014', describeRun(run));
  assert.match(doc.error?.hint ?? '', /lower --baud/);
  const keeping = run.stderr.split('\n').filter((l) => /keeping it because --baud asks for it/.test(l));
  assert.equal(keeping.length, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /continuing at \d+ baud/);
});

test('a link that goes bad mid-read at 921600: read-flash steps down once and the file matches the flash', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-slowread-'));
  const flashFile = join(dir, 'flash.bin');
  const out = join(dir, 'read.bin');
  const rng = new Prng(11);
  const content = Uint8Array.from({ length: FLASH_BYTES }, () => rng.below(256));
  await writeFile(flashFile, content);
  const board = await startBoardProcess({ chip: 'esp32', flashFile, args: ['--garble-above', '460800', '--garble-after', '300K'] });
  try {
    const run = await runCli(['read-flash', '0', '1M', out, '--port', board.rfc2217, '--after', 'no-reset'], { timeoutMs: 240_000 });
    assert.equal(run.code, 0, describeRun(run));
    assert.deepEqual(new Uint8Array(await readFile(out)), content.subarray(0, 1024 * 1024));
    const steps = warnings(run.stderr).filter((l) => STEP.test(l));
    assert.equal(steps.length, 1, run.stderr);
  } finally {
    await board.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
