import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ESP32 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { cliPath } from '../../harness/paths.js';

const run = promisify(execFile);

test('flash over rfc2217:// to `upyflash virtual-board --flash FILE`: the file holds the image after exit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-cli-'));
  const flashFile = join(dir, 'flash.img');
  const fw = join(dir, 'ESP32_GENERIC-test.bin');
  const image = buildSampleFirmware({ chip: ESP32, appBytes: 120_000 });
  await writeFile(fw, image);
  const board = spawn(process.execPath, [cliPath, 'virtual-board', '--chip', 'esp32', '--listen', '127.0.0.1:0', '--flash', flashFile, '--no-link-model', '--no-flash-timing'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const hostPort = await new Promise<string>((resolve, reject) => {
      let text = '';
      board.stderr.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /rfc2217:\/\/([\d.]+:\d+)/.exec(text);
        if (m) resolve(m[1]!);
      });
      board.once('exit', () => reject(new Error(text)));
    });
    const { stdout } = await run(process.execPath, [cliPath, '--json', 'flash', fw, '--port', `rfc2217://${hostPort}`, '--no-boot-check', '--after', 'no-reset', '--baud', '115200'], { timeout: 60_000 });
    const doc = JSON.parse(stdout) as { ok: boolean; result: { verified: boolean; address: number } };
    assert.equal(doc.ok, true);
    assert.equal(doc.result.verified, true);
    assert.equal(doc.result.address, 0x1000);
    // socket:// has no control lines and a bridge fixed at 115200: the board was left in the stub at that
    // rate (--after no-reset, --baud 115200) and must answer as is.
    const detect = await runCli(['--json', 'detect', '--port', `socket://${hostPort}`, '--after', 'no-reset']);
    assert.equal(detect.code, 0, describeRun(detect));
    const found = cliJson<{ chip: string; port: string; flashSizeBytes: number; mac: string }>(detect);
    assert.equal(found.ok, true);
    assert.equal(found.result?.chip, 'ESP32');
    assert.equal(found.result?.port, `socket://${hostPort}`);
    assert.equal(found.result?.flashSizeBytes, 4 * 1024 * 1024);
    assert.match(found.result?.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  } finally {
    await new Promise<void>((resolve) => {
      board.once('exit', () => resolve());
      board.kill('SIGTERM');
    });
  }
  const flash = new Uint8Array(await readFile(flashFile));
  assert.deepEqual(flash.subarray(0x1000, 0x1000 + image.length), image);
  await rm(dir, { recursive: true, force: true });
});

test('after a flash with the default hard reset the board runs its firmware: detect over socket:// (no reset possible) says so (E012), not ok', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-cli-'));
  const fw = join(dir, 'ESP32_GENERIC-test.bin');
  await writeFile(fw, buildSampleFirmware({ chip: ESP32, appBytes: 60_000 }));
  const board = await startBoardProcess({ chip: 'esp32' });
  try {
    const flash = await runCli(['--json', 'flash', fw, '--port', board.rfc2217, '--no-boot-check']);
    assert.equal(flash.code, 0, describeRun(flash));
    const detect = await runCli(['--json', 'detect', '--port', board.socket]);
    assert.equal(detect.code, 3, describeRun(detect));
    const doc = cliJson(detect);
    assert.equal(doc.ok, false);
    assert.equal(doc.error?.code, 'E012');
    assert.match(doc.error?.hint ?? '', /hold BOOT, tap EN/);
  } finally {
    await board.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
