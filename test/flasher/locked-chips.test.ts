import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBoardProcess } from '../../harness/board-process.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { cliJson, runCli, type CliResult } from '../../harness/cli-run.js';
import { startSiteServer } from '../fixtures/site/site-server.js';

/**
 * Locked-down chips through the CLI against `upyflash virtual-board --security ...`: Secure Download
 * Mode is said up front and a plain, unverified write still happens; flash encryption and secure boot
 * are refused with their codes before anything is downloaded, erased or written (the board's --flash
 * file is compared byte for byte before and after).
 */

const cleanup = cleanupAfterAll();
const site = await startSiteServer();
const dir = await mkdtemp(join(tmpdir(), 'upyflash-locked-'));
cleanup(() => site.close(), () => rm(dir, { recursive: true, force: true }));

const FLASH_BYTES = 4 * 1024 * 1024;
const both = (r: CliResult) => `exit ${r.code}\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
let n = 0;
const env = () => ({ ...process.env, UPYFLASH_CACHE_DIR: join(dir, `cache-${n++}`), UPYFLASH_BASE_URL: '' });

/** A flash that already holds something (an owner's encrypted firmware, say): every byte must survive a refusal. */
async function usedFlash(name: string): Promise<{ file: string; before: Buffer }> {
  const before = Buffer.alloc(FLASH_BYTES);
  for (let i = 0; i < before.length; i++) before[i] = (i * 131 + (i >>> 12)) & 0xff;
  const file = join(dir, name);
  await writeFile(file, before);
  return { file, before };
}

const REFUSALS = [
  { chip: 'esp32c6', security: 'encryption', code: 'E03A', says: /Flash encryption is enabled on this ESP32-C6 \(GET_SECURITY_INFO/, hint: /encrypted-flash|--encrypt/ },
  { chip: 'esp32', security: 'encryption', code: 'E03A', says: /Flash encryption is enabled on this ESP32 \(eFuse: flash crypt count 0x1/, hint: /espsecure/ },
  { chip: 'esp32h2', security: 'secure-boot', code: 'E03B', says: /Secure boot is enabled on this ESP32-H2 \(GET_SECURITY_INFO: SECURE_BOOT_EN/, hint: /sign/ },
  { chip: 'esp32', security: 'secure-boot', code: 'E03B', says: /Secure boot is enabled on this ESP32 \(eFuse: ABS_DONE/, hint: /sign/ },
] as const;

for (const r of REFUSALS) {
  test(`${r.chip} with ${r.security}: refused with ${r.code} before any download or write; the flash is untouched`, async () => {
    const { file, before } = await usedFlash(`${r.chip}-${r.security}.bin`);
    const board = await startBoardProcess({ chip: r.chip, flashFile: file, args: ['--security', r.security] });
    const downloadsBefore = site.requests.filter((p) => p.startsWith('/resources/firmware/')).length;
    let run: CliResult;
    try {
      run = await runCli(['flash', '--json', '--erase', '--port', board.rfc2217, '--base-url', site.baseUrl], { env: env() });
    } finally {
      await board.stop();
    }
    assert.equal(run.code, 4, both(run));
    const err = cliJson(run).error!;
    assert.equal(err.code, r.code);
    assert.match(err.message, r.says);
    assert.match(err.hint, /Nothing was erased/);
    assert.match(err.hint, r.hint);
    assert.equal(site.requests.filter((p) => p.startsWith('/resources/firmware/')).length, downloadsBefore, 'no firmware was fetched');
    assert.ok((await readFile(file)).equals(before), 'the flash file is byte for byte what it was');
  });
}

test('Secure Download Mode: E013 up front, a plain ROM write that is said to be unverified, and MicroPython boots', async () => {
  const { file } = await usedFlash('s3-sdm.bin');
  const board = await startBoardProcess({ chip: 'esp32s3', flashFile: file, args: ['--security', 'sdm'] });
  let run: CliResult;
  let erase: CliResult;
  try {
    erase = await runCli(['flash', '--json', '--erase', '--port', board.rfc2217, '--base-url', site.baseUrl], { env: env() });
    run = await runCli(['flash', '--json', '--port', board.rfc2217, '--base-url', site.baseUrl], { env: env(), timeoutMs: 90_000 });
  } finally {
    await board.stop();
  }
  // What the ROM cannot do is refused before anything is written.
  assert.equal(erase.code, 3, both(erase));
  assert.equal(cliJson(erase).error?.code, 'E013');
  assert.match(cliJson(erase).error!.message, /erasing the whole chip/);

  assert.equal(run.code, 0, both(run));
  const warnAt = run.stderr.indexOf('E013 Secure Download Mode is on');
  assert.ok(warnAt >= 0, both(run));
  assert.ok(warnAt < run.stderr.indexOf('Downloading'), 'said before anything else happens');
  assert.match(run.stderr, /no flasher stub, |No flasher stub, /);
  assert.match(run.stderr, /Written but NOT verified/);
  assert.match(run.stderr, /is running on .* with ESP32S3/);
  const doc = cliJson<{ verified: boolean; stub: boolean; firmware: { fileName: string } }>(run).result!;
  assert.equal(doc.verified, false);
  assert.equal(doc.stub, false);
  const expected = site.imageFor(doc.firmware.fileName);
  assert.deepEqual(new Uint8Array((await readFile(file)).subarray(0, expected.length)), expected);
});

test('virtual-board --security refuses a state the chip cannot have', async () => {
  const r = await runCli(['virtual-board', '--chip', 'esp32', '--security', 'sdm', '--listen', '127.0.0.1:0', '--json']);
  assert.equal(r.code, 2, both(r));
  assert.match(cliJson(r).error!.message, /no Secure Download Mode/);
});

test('detect shows flash encryption and secure boot as the chip reports them (GET_SECURITY_INFO or eFuses)', async () => {
  for (const [chip, security, encryption, secureBoot] of [
    ['esp32', 'encryption', 'on', 'off'],
    ['esp32h2', 'secure-boot', 'off', 'on'],
    ['esp32c3', undefined, 'off', 'off'],
  ] as const) {
    const board = await startBoardProcess({ chip, args: security ? ['--security', security] : [] });
    let run: CliResult;
    try {
      run = await runCli(['detect', '--port', board.rfc2217], { env: env() });
    } finally {
      await board.stop();
    }
    assert.equal(run.code, 0, both(run));
    assert.match(run.stdout, new RegExp(`^Flash encryption: ${encryption}$`, 'm'), `${chip}\n${run.stdout}`);
    assert.match(run.stdout, new RegExp(`^Secure boot: ${secureBoot}$`, 'm'), `${chip}\n${run.stdout}`);
  }
});
