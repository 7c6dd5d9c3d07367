import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBoardProcess } from '../../harness/board-process.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { cliJson, runCli, type CliResult } from '../../harness/cli-run.js';
import { startSiteServer } from '../fixtures/site/site-server.js';

/**
 * The newer members of the family (ESP32-C2, C5, H2, P4), each end to end through the CLI: a virtual
 * board of that chip in its own process, `detect`, then `flash` with no file against the stand-in of
 * micropython.org, and the board booting the flashed MicroPython to its banner.
 */

const cleanup = cleanupAfterAll();
const site = await startSiteServer();
const dir = await mkdtemp(join(tmpdir(), 'upyflash-family-'));
cleanup(() => site.close(), () => rm(dir, { recursive: true, force: true }));

interface Case {
  chip: string;
  name: string;
  board: string;
  file: string;
  /** Where the .bin starts in flash (bootloader offset). */
  offset: number;
  crystalMHz: number;
}

const CASES: readonly Case[] = [
  { chip: 'esp32c2', name: 'ESP32-C2', board: 'ESP32_GENERIC_C2', file: 'ESP32_GENERIC_C2-20251209-v1.27.0.bin', offset: 0x0, crystalMHz: 26 },
  { chip: 'esp32c5', name: 'ESP32-C5', board: 'ESP32_GENERIC_C5', file: 'ESP32_GENERIC_C5-20251209-v1.27.0.bin', offset: 0x2000, crystalMHz: 48 },
  { chip: 'esp32h2', name: 'ESP32-H2', board: 'ESP32_GENERIC_H2', file: 'ESP32_GENERIC_H2-20260824-v1.29.0.bin', offset: 0x0, crystalMHz: 32 },
  { chip: 'esp32p4', name: 'ESP32-P4', board: 'ESP32_GENERIC_P4', file: 'ESP32_GENERIC_P4-20251209-v1.27.0.bin', offset: 0x2000, crystalMHz: 40 },
];

const env = (c: Case) => ({ ...process.env, UPYFLASH_CACHE_DIR: join(dir, `cache-${c.chip}`), UPYFLASH_BASE_URL: '' });
const both = (r: CliResult) => `exit ${r.code}\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

for (const c of CASES) {
  test(`${c.name}: detected, flashed from the catalog at 0x${c.offset.toString(16)} and booted to its banner`, async () => {
    const flashFile = join(dir, `${c.chip}.bin`);
    const board = await startBoardProcess({ chip: c.chip, flashFile });
    try {
      const detect = await runCli(['detect', '--json', '--port', board.rfc2217], { env: env(c) });
      assert.equal(detect.code, 0, both(detect));
      const d = cliJson<{ chip: string; crystalMHz: number; mac: string }>(detect).result!;
      assert.equal(d.chip, c.name);
      assert.equal(d.crystalMHz, c.crystalMHz);

      const flash = await runCli(['flash', '--json', '--port', board.rfc2217, '--base-url', site.baseUrl], { env: env(c), timeoutMs: 90_000 });
      assert.equal(flash.code, 0, both(flash));
      const doc = cliJson<{ chip: string; verified: boolean; firmware: { board: string; fileName: string } }>(flash);
      assert.equal(doc.result!.chip, c.name);
      assert.equal(doc.result!.firmware.board, c.board);
      assert.equal(doc.result!.firmware.fileName, c.file);
      assert.equal(doc.result!.verified, true);
      assert.match(flash.stderr, new RegExp(`is running on [^"]* with ${c.name}`), 'the flashed MicroPython printed its banner');
      // The rate change held on the first try: a wrong divider (the C2's ROM on a 26 MHz crystal) shows as a fallback.
      assert.doesNotMatch(flash.stderr, /did not hold/);
    } finally {
      await board.stop();
    }
    const expected = site.imageFor(c.file);
    const flashed = (await readFile(flashFile)).subarray(c.offset, c.offset + expected.length);
    assert.deepEqual(new Uint8Array(flashed), expected);
  });
}

test('ESP32-P4: its magic register cannot name it, the chip id from GET_SECURITY_INFO does', async () => {
  const board = await startBoardProcess({ chip: 'esp32p4' });
  try {
    const r = await runCli(['detect', '--json', '--port', board.rfc2217, '--verbose']);
    assert.equal(r.code, 0, both(r));
    assert.equal(cliJson<{ chip: string }>(r).result!.chip, 'ESP32-P4');
    // Told it is an S3 (a chip whose magic is a plain READ_REG away), the chip id still wins.
    const wrong = await runCli(['detect', '--json', '--chip', 'esp32s3', '--port', board.rfc2217]);
    assert.equal(cliJson(wrong).error?.code, 'E036', both(wrong));
    assert.match(cliJson(wrong).error!.message, /ESP32-P4, not an ESP32-S3/);
  } finally {
    await board.stop();
  }
});
