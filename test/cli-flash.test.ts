import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ESP32 } from '../src/chips/index.js';
import { buildSampleFirmware } from '../src/image/sample.js';
import { cliPath } from './helpers/paths.js';

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
    const { stdout } = await run(process.execPath, [cliPath, '--json', 'flash', fw, '--port', `rfc2217://${hostPort}`, '--no-boot-check'], { timeout: 60_000 });
    const doc = JSON.parse(stdout) as { ok: boolean; result: { verified: boolean; address: number } };
    assert.equal(doc.ok, true);
    assert.equal(doc.result.verified, true);
    assert.equal(doc.result.address, 0x1000);
    // socket:// has no control lines: the board (still in the loader, no reset) must answer as is.
    const detect = await run(process.execPath, [cliPath, '--json', 'detect', '--port', `socket://${hostPort}`, '--after', 'no-reset'], { timeout: 60_000 }).catch((e: { stdout: string }) => e);
    assert.match((detect as { stdout: string }).stdout, /"ok"/);
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
