import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliPath } from '../../harness/paths.js';
import { startSiteServer, type SiteServer } from '../fixtures/site/site-server.js';

/**
 * `upyflash flash` with no FILE, end to end: a real `upyflash virtual-board` process, the CLI detecting
 * the chip over rfc2217://, the catalog fetching from a local copy of the site, and then the same again
 * with the site gone (served from the cache).
 */

const run = promisify(execFile);
const ESP32_LATEST = 'ESP32_GENERIC-20251209-v1.27.0.bin';
const ESP32_BOOTLOADER_OFFSET = 0x1000;

/** A board as a user meets it: bytes at the baud rate and real flash timing. */
const startVirtualBoard = (flashFile: string) => startBoardProcess({ flashFile, linkModel: true, flashTiming: true });

async function verbExists(verb: string): Promise<boolean> {
  const { stdout } = await run(process.execPath, [cliPath, '--help']);
  return new RegExp(`^\\s+${verb}\\b`, 'm').test(stdout);
}

describe('upyflash flash with no FILE (virtual board)', async () => {
  const ready = (await verbExists('flash')) && (await verbExists('virtual-board'));
  let site: SiteServer;
  let dir: string;

  before(async () => {
    site = await startSiteServer();
    dir = await mkdtemp(join(tmpdir(), 'upyflash-fwe2e-'));
  });
  after(async () => {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  });

  const flash = async (port: string, baseUrl: string) => {
    try {
      const r = await run(process.execPath, [cliPath, 'flash', '--port', port, '--base-url', baseUrl, '--no-boot-check', '--json'], {
        env: { ...process.env, UPYFLASH_CACHE_DIR: join(dir, 'cache'), UPYFLASH_BASE_URL: '' },
        timeout: 50_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  };

  const flashed = async (flashFile: string, length: number) => (await readFile(flashFile)).subarray(ESP32_BOOTLOADER_OFFSET, ESP32_BOOTLOADER_OFFSET + length);

  it('detects the ESP32, downloads the latest ESP32_GENERIC and flashes it; then again offline from the cache', { skip: ready ? false : 'needs the flash and virtual-board verbs (src/cli/commands/{flash,virtual-board}.ts)' }, async () => {
    const expected = site.imageFor(ESP32_LATEST);

    const flashFile = join(dir, 'flash-online.bin');
    const board = await startVirtualBoard(flashFile);
    let online;
    try {
      online = await flash(board.rfc2217, site.baseUrl);
    } finally {
      await board.stop();
    }
    assert.equal(online.code, 0, online.stdout + online.stderr);
    const doc = JSON.parse(online.stdout) as { ok: boolean; result: { firmware?: { fileName: string; board: string; version: string; source: string; fromCache: boolean } } };
    assert.equal(doc.ok, true);
    const fw = doc.result.firmware;
    assert.ok(fw, 'the result names the firmware it fetched');
    assert.deepEqual([fw.fileName, fw.board, fw.version, fw.source, fw.fromCache], [ESP32_LATEST, 'ESP32_GENERIC', '1.27.0', 'site', false]);
    assert.match(online.stderr, /MicroPython v1\.27\.0 .*ESP32_GENERIC/);
    assert.deepEqual(new Uint8Array(await flashed(flashFile, expected.length)), expected);

    // The site is gone: the cached listing and file stand in, and the output says so.
    const offlineBase = site.baseUrl;
    await site.close();
    const flashFile2 = join(dir, 'flash-offline.bin');
    const board2 = await startVirtualBoard(flashFile2);
    let offline;
    try {
      offline = await flash(board2.rfc2217, offlineBase);
    } finally {
      await board2.stop();
    }
    assert.equal(offline.code, 0, offline.stdout + offline.stderr);
    const doc2 = JSON.parse(offline.stdout) as { result: { firmware?: { fileName: string; source: string; fromCache: boolean } } };
    assert.equal(doc2.result.firmware?.fileName, ESP32_LATEST);
    assert.equal(doc2.result.firmware?.source, 'cache');
    assert.equal(doc2.result.firmware?.fromCache, true);
    assert.match(offline.stderr, /offline/);
    assert.deepEqual(new Uint8Array(await flashed(flashFile2, expected.length)), expected);
    site = await startSiteServer(); // for after()
  });
});
