import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { cliPath } from '../../harness/paths.js';
import { startSiteServer, type SiteServer } from '../fixtures/site/site-server.js';

const run = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('upyflash firmware (CLI)', () => {
  let site: SiteServer;
  let dir: string;
  let cacheDir: string;

  const cli = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], {
        cwd: dir,
        env: { ...process.env, UPYFLASH_CACHE_DIR: cacheDir, UPYFLASH_BASE_URL: '', ...env },
        timeout: 30_000,
      });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  };

  before(async () => {
    site = await startSiteServer();
    dir = await mkdtemp(join(tmpdir(), 'upyflash-fwcli-'));
    cacheDir = join(dir, 'cache');
  });
  after(async () => {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('list --chip esp32 --json: boards of the chip and the versions of its generic board', async () => {
    const r = await cli(['firmware', 'list', '--chip', 'esp32', '--json', '--base-url', site.baseUrl]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      result: { boards: Array<{ id: string; name?: string }>; firmware: Array<{ board: string; source: string; files: Array<{ fileName: string; variant: string | null; version: string; buildDate: string; preview: boolean; legacy: boolean }> }> };
    };
    assert.equal(doc.ok, true);
    assert.deepEqual(doc.result.boards.map((b) => b.id), ['ESP32_GENERIC', 'UM_TINYPICO', 'LOLIN_D32']);
    const generic = doc.result.firmware[0]!;
    assert.equal(generic.board, 'ESP32_GENERIC');
    assert.equal(generic.source, 'site');
    assert.ok(generic.files.every((f) => f.fileName.endsWith('.bin')));
    const first = generic.files[0]!;
    assert.deepEqual(
      { variant: first.variant, version: first.version, buildDate: first.buildDate, preview: first.preview },
      { variant: null, version: '1.28.0-preview.16.g1a2b3c4d5', buildDate: '2026-01-10', preview: true },
    );
    const legacy = generic.files.find((f) => f.fileName === 'esp32-20220117-v1.18.bin');
    assert.ok(legacy?.legacy);
    assert.deepEqual(
      [...new Set(generic.files.map((f) => f.variant ?? 'standard'))].sort(),
      ['D2WD', 'IDF3', 'OTA', 'SPIRAM', 'UNICORE', 'standard'],
    );
    // JSON on stdout only; the plain-http warning goes to stderr.
    assert.match(r.stderr, /plain HTTP/);
  });

  it('list --chip esp32s3 --search lolin: only the matching boards the site offers, each with its versions', async () => {
    const r = await cli(['firmware', 'list', '--chip', 'esp32s3', '--search', 'lolin', '--json', '--base-url', site.baseUrl]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { result: { boards: Array<{ id: string; vendor?: string }>; firmware: Array<{ board: string; files: Array<{ fileName: string }> }> } };
    assert.deepEqual(doc.result.boards.map((b) => b.id), ['LOLIN_S3', 'LOLIN_S3_MINI']);
    // LOLIN_S3_MINI has a card but no page: listed as a board, with no versions.
    assert.deepEqual(doc.result.firmware.map((f) => f.board), ['LOLIN_S3']);
    assert.deepEqual(doc.result.firmware[0]!.files.map((f) => f.fileName), ['LOLIN_S3-20251209-v1.27.0.bin', 'LOLIN_S3-20250911-v1.26.1.bin']);

    // Without --chip every chip's list is searched; words may come in any order and case.
    const all = await cli(['firmware', 'list', '--search', 'Mini S2', '--base-url', site.baseUrl]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^Boards \(1\):\n  LOLIN_S2_MINI\s+S2 mini — Wemos$/m);
    assert.match(all.stdout, /LOLIN_S2_MINI-20251209-v1\.27\.0\.bin/);
    const none = await cli(['firmware', 'list', '--chip', 'esp32c3', '--search', 'lolin', '--base-url', site.baseUrl]);
    assert.match(none.stdout, /No board matches "lolin"/);
  });

  it('list --board prints a readable table', async () => {
    const r = await cli(['firmware', 'list', '--board', 'ESP8266_GENERIC', '--base-url', site.baseUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ESP8266_GENERIC — ESP8266$/m);
    assert.match(r.stdout, /FLASH_1M\s+v1\.27\.0\s+2025-12-09\s+ESP8266_GENERIC-FLASH_1M-20251209-v1\.27\.0\.bin/);
    assert.match(r.stdout, /esp8266-20180511-v1\.9\.4\.bin\s+\[legacy name\]/);
  });

  it('download picks the variant for the flash size and saves the validated file', async () => {
    const out = join(dir, 'fw.bin');
    const r = await cli(['firmware', 'download', '--chip', 'esp8266', '--flash-size', '512K', '-o', out, '--json', '--base-url', site.baseUrl]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { result: { path: string; fileName: string; variant: string; version: string; sha256: string; source: string } };
    assert.equal(doc.result.fileName, 'ESP8266_GENERIC-FLASH_512K-20251209-v1.27.0.bin');
    assert.equal(doc.result.variant, 'FLASH_512K');
    assert.equal(doc.result.path, out);
    assert.deepEqual(new Uint8Array(await readFile(out)), site.imageFor(doc.result.fileName));
  });

  it('download --version after the verb is the firmware version, not upyflash\'s', async () => {
    const r = await cli(['firmware', 'download', '--board', 'ESP32_GENERIC', '--variant', 'SPIRAM', '--version', '1.24.1', '--base-url', site.baseUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Saved .*ESP32_GENERIC-SPIRAM-20241129-v1\.24\.1\.bin/);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'ESP32_GENERIC-SPIRAM-20241129-v1.24.1.bin'))), site.imageFor('ESP32_GENERIC-SPIRAM-20241129-v1.24.1.bin'));
  });

  it('an HTML page instead of firmware is refused with code, URL and hint (exit 4)', async () => {
    const name = 'ESP32_GENERIC_C3-20251209-v1.27.0.bin';
    site.faults.set(name, 'html');
    try {
      const r = await cli(['firmware', 'download', '--chip', 'esp32c3', '--refresh', '--base-url', site.baseUrl]);
      assert.equal(r.code, 4);
      assert.match(r.stderr, new RegExp(`error E030: .*/resources/firmware/${name}`));
      assert.match(r.stderr, /^hint: /m);
    } finally {
      site.faults.delete(name);
    }
  });

  it('takes the base URL from UPYFLASH_BASE_URL and works offline from the cache once the site is gone', async () => {
    const own = await startSiteServer();
    let expected: Uint8Array;
    try {
      const first = await cli(['firmware', 'download', '--chip', 'esp32s3', '-o', join(dir, 's3.bin')], { UPYFLASH_BASE_URL: own.baseUrl });
      assert.equal(first.code, 0, first.stderr);
      expected = own.imageFor('ESP32_GENERIC_S3-20251209-v1.27.0.bin');
    } finally {
      await own.close();
    }
    const offline = await cli(['firmware', 'download', '--chip', 'esp32s3', '-o', join(dir, 's3-offline.bin'), '--json'], { UPYFLASH_BASE_URL: own.baseUrl });
    assert.equal(offline.code, 0, offline.stderr);
    const doc = JSON.parse(offline.stdout) as { result: { source: string; fromCache: boolean; fileName: string } };
    assert.deepEqual([doc.result.source, doc.result.fromCache, doc.result.fileName], ['cache', true, 'ESP32_GENERIC_S3-20251209-v1.27.0.bin']);
    assert.match(offline.stderr, /offline/);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 's3-offline.bin'))), expected);
    // Another base URL is another cache key: nothing to fall back on there.
    const elsewhere = await cli(['firmware', 'download', '--chip', 'esp32s3', '--base-url', 'http://127.0.0.1:1']);
    assert.equal(elsewhere.code, 6);
    assert.match(elsewhere.stderr, /error E052/);
  });

  it('rejects an unknown chip as a usage error (exit 2)', async () => {
    const r = await cli(['firmware', 'list', '--chip', 'esp31', '--base-url', site.baseUrl]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error E036: --chip: "esp31"/);
  });
});
