/**
 * --baud auto (the default) over rfc2217 to a virtual board process behind a virtual USB bridge: the
 * fastest rate the named bridge is trusted with, proven by a round trip, stepped down when it does not
 * hold, one line saying what was chosen, and the rate that worked remembered per bridge in the cache folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32, ESP32C3 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

const cleanup = cleanupAfterAll();

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-baud-auto-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const fw = join(dir, 'ESP32_GENERIC-test.bin');
  await writeFile(fw, buildSampleFirmware({ chip: ESP32, appBytes: 40_000 }));
  return { dir, fw, env: { ...process.env, UPYFLASH_CACHE_DIR: join(dir, 'cache') } };
}

async function flashVia(bridge: string, extra: readonly string[], fw: string, env: NodeJS.ProcessEnv) {
  const board = await startBoardProcess({ args: ['--bridge', bridge, ...extra] });
  cleanup(async () => void (await board.stop()));
  const r = await runCli(['--json', 'flash', fw, '--port', `${board.rfc2217}?bridge=${bridge}`, '--no-boot-check', '--after', 'no-reset'], { env });
  assert.equal(r.code, 0, describeRun(r));
  const autoLines = r.stderr.split('\n').filter((l) => l.includes('--baud auto'));
  return { result: cliJson<{ baud: number; verified: boolean }>(r).result!, autoLines, stderr: r.stderr };
}

test('--baud auto on a CH343 picks 4000000 for an ESP32 (its stub runs the UART from 80 MHz), says so in one line and remembers it', async () => {
  const { dir, fw, env } = await setup();
  const { result, autoLines, stderr } = await flashVia('ch343', [], fw, env);
  assert.equal(result.baud, 4000000, stderr);
  assert.equal(result.verified, true);
  assert.equal(autoLines.length, 1, stderr);
  assert.match(autoLines[0]!, /4000000 baud \(the fastest CH343 is known to carry\)/);
  const memory = JSON.parse(await readFile(join(dir, 'cache', 'baud-rates.json'), 'utf8'));
  assert.equal(memory.ch343.baud, 4000000);
});

test('an ESP32-C3 behind the same CH343 gets 2000000, the fastest its UART runs in download mode, and the bridge memory keeps 4000000', async () => {
  const { dir, env } = await setup();
  const fw = join(dir, 'ESP32_GENERIC_C3-test.bin');
  await writeFile(fw, buildSampleFirmware({ chip: ESP32C3, appBytes: 40_000 }));
  // An ESP32 on this bridge ran at 4000000 before.
  await mkdir(join(dir, 'cache'), { recursive: true });
  await writeFile(join(dir, 'cache', 'baud-rates.json'), JSON.stringify({ ch343: { baud: 4000000 } }));
  const board = await startBoardProcess({ chip: 'esp32c3', args: ['--bridge', 'ch343'] });
  cleanup(async () => void (await board.stop()));
  const r = await runCli(['--json', 'flash', fw, '--port', `${board.rfc2217}?bridge=ch343`, '--no-boot-check', '--after', 'no-reset'], { env });
  assert.equal(r.code, 0, describeRun(r));
  assert.equal(cliJson<{ baud: number }>(r).result!.baud, 2000000, r.stderr);
  const autoLines = r.stderr.split('\n').filter((l) => l.includes('--baud auto'));
  assert.equal(autoLines.length, 1, r.stderr);
  assert.match(autoLines[0]!, /2000000 baud \(the fastest the ESP32-C3's UART runs in download mode; CH343 carries 4000000\)/);
  assert.ok(!/did not hold/.test(r.stderr), r.stderr);
  assert.equal(JSON.parse(await readFile(join(dir, 'cache', 'baud-rates.json'), 'utf8')).ch343.baud, 4000000);

  // An exact --baud beyond the chip's UART is lowered with one warning instead of garbling the line.
  const exact = await runCli(['--json', 'flash', fw, '--port', board.rfc2217, '--baud', '3000000', '--no-skip', '--no-boot-check', '--after', 'no-reset'], { env });
  assert.equal(exact.code, 0, describeRun(exact));
  assert.equal(cliJson<{ baud: number }>(exact).result!.baud, 2000000, exact.stderr);
  assert.match(exact.stderr, /3000000 baud is beyond the ESP32-C3's UART in download mode \(at most 2500000\); using 2000000 baud/);
});

test('--baud auto on a CH340 settles on 460800; where that does not hold it steps down once, with one line each, and the next job starts there', async () => {
  const { dir, fw, env } = await setup();
  const plain = await flashVia('ch340', [], fw, env);
  assert.equal(plain.result.baud, 460800, plain.stderr);
  assert.equal(plain.autoLines.length, 1, plain.stderr);
  assert.match(plain.autoLines[0]!, /460800 baud \(the fastest CH340 is known to carry\)/);

  const bad = await flashVia('ch340', ['--garble-above', '230400'], fw, env);
  assert.equal(bad.result.baud, 230400, bad.stderr);
  assert.equal(bad.result.verified, true);
  assert.equal(bad.autoLines.length, 1, bad.stderr);
  assert.match(bad.autoLines[0]!, /230400 baud \(460800 did not hold on CH340, stepped down\)/);
  assert.equal(JSON.parse(await readFile(join(dir, 'cache', 'baud-rates.json'), 'utf8')).ch340.baud, 230400);

  // The next job on this bridge starts from what worked, without a failed try first.
  const again = await flashVia('ch340', ['--garble-above', '230400'], fw, env);
  assert.equal(again.result.baud, 230400, again.stderr);
  assert.match(again.autoLines[0]!, /230400 baud \(what worked on CH340 last time\)/);
  assert.ok(!/did not hold/.test(again.stderr), again.stderr);
});

test('--baud auto on native USB-Serial/JTAG leaves the rate alone and says why', async () => {
  const { fw, env } = await setup();
  const { result, autoLines, stderr } = await flashVia('native', [], fw, env);
  assert.equal(result.baud, 115200, stderr);
  assert.equal(autoLines.length, 1, stderr);
  assert.match(autoLines[0]!, /has no UART, so the baud rate does not matter/);
});
