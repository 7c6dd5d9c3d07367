import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chipById, type ChipSpec } from '../../src/chips/index.js';
import { isUpyflashError, type ErrorKind } from '../../src/errors.js';
import { fetchGet } from '../../src/firmware/http.js';
import { defaultCacheDir } from '../../src/platform/node/cache-dir.js';
import { FsCatalogStore } from '../../src/firmware/node/fs-store.js';
import { resolveFirmware, type FirmwareRequest } from '../../src/firmware/node/resolve.js';
import { sha256Hex } from '../../src/firmware/store.js';
import { analyzeFirmware } from '../../src/image/firmware-file.js';
import { Reporter, type ProgressEvent } from '../../src/progress.js';
import { startSiteServer, type SiteServer } from '../fixtures/site/site-server.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const chip = (id: string): ChipSpec => chipById(id)!;

class Recorder extends Reporter {
  readonly events: ProgressEvent[] = [];
  constructor() {
    const events: ProgressEvent[] = [];
    super({ emit: (e) => events.push(e) });
    this.events = events;
  }
  text(level: 'info' | 'warn'): string {
    return this.events.flatMap((e) => (e.type === 'log' && e.level === level ? [e.message] : [])).join('\n');
  }
}

describe('resolveFirmware against a local copy of the site', () => {
  let site: SiteServer;
  let cacheRoot: string;
  let n = 0;
  const freshCache = () => join(cacheRoot, `c${n++}`);
  const resolve = (req: Partial<FirmwareRequest>, cacheDir: string, rec = new Recorder()) =>
    resolveFirmware({ baseUrl: site.baseUrl, cacheDir, ...req } as FirmwareRequest, rec).then((fw) => ({ fw, rec }));
  const fileRequests = () => site.requests.filter((r) => r.startsWith('/resources/firmware/'));

  before(async () => {
    site = await startSiteServer();
    cacheRoot = await mkdtemp(join(tmpdir(), 'upyflash-fw-'));
  });
  after(async () => {
    await site.close();
    await rm(cacheRoot, { recursive: true, force: true });
  });

  it('puts the latest release for the chip\'s generic board on, validated, with progress and provenance', async () => {
    const cache = freshCache();
    const { fw, rec } = await resolve({ chip: chip('esp32') }, cache);
    assert.equal(fw.fileName, 'ESP32_GENERIC-20251209-v1.27.0.bin');
    assert.equal(fw.board, 'ESP32_GENERIC');
    assert.equal(fw.variant, undefined);
    assert.equal(fw.version, '1.27.0');
    assert.equal(fw.buildDate, '2025-12-09');
    assert.equal(fw.preview, false);
    assert.equal(fw.source, 'site');
    assert.equal(fw.fromCache, false);
    assert.equal(fw.url, `${site.baseUrl}/resources/firmware/ESP32_GENERIC-20251209-v1.27.0.bin`);
    assert.deepEqual(fw.bytes, site.imageFor(fw.fileName));
    assert.equal(fw.sha256, sha256Hex(fw.bytes));
    const image = analyzeFirmware(fw.bytes, fw.fileName);
    assert.equal(image.chip?.id, 'esp32');
    assert.equal(image.micropython?.version, '1.27.0');
    const progress = rec.events.filter((e) => e.type === 'progress' && e.phase === 'download');
    assert.ok(progress.length > 0);
    const last = progress.at(-1)!;
    assert.ok(last.type === 'progress' && last.done === fw.bytes.length && last.total === fw.bytes.length);
    assert.match(rec.text('info'), /MicroPython v1\.27\.0 .*ESP32_GENERIC \(standard build\)/);
    assert.match(rec.text('warn'), /plain HTTP .*configured explicitly/);
    // Recorded in the index with its SHA-256, written without leftovers.
    const index = JSON.parse(await readFile(join(cache, 'index.json'), 'utf8')) as { files: Record<string, { sha256: string }> };
    assert.equal(index.files[fw.url]?.sha256, fw.sha256);
    const leftovers = (await readdir(join(cache, 'firmware'))).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
  });

  it('reuses the cached file, and --refresh downloads it again', async () => {
    const cache = freshCache();
    await resolve({ chip: chip('esp32c3') }, cache);
    const before = fileRequests().length;
    const again = await resolve({ chip: chip('esp32c3') }, cache);
    assert.equal(again.fw.fromCache, true);
    assert.equal(again.fw.source, 'site');
    assert.equal(fileRequests().length, before);
    const refreshed = await resolve({ chip: chip('esp32c3'), refresh: true }, cache);
    assert.equal(refreshed.fw.fromCache, false);
    assert.equal(fileRequests().length, before + 1);
  });

  it('notices a damaged cached file and fetches it again', async () => {
    const cache = freshCache();
    const first = await resolve({ chip: chip('esp32s3') }, cache);
    const stored = (await readdir(join(cache, 'firmware'))).find((f) => f.endsWith(first.fw.fileName))!;
    const damaged = first.fw.bytes.slice();
    damaged[damaged.length - 100] ^= 0xff;
    await writeFile(join(cache, 'firmware', stored), damaged);
    const second = await resolve({ chip: chip('esp32s3') }, cache);
    assert.equal(second.fw.fromCache, false);
    assert.deepEqual(second.fw.bytes, first.fw.bytes);
  });

  it('picks the ESP8266 variant from the flash size, and honours --board/--variant/--version', async () => {
    const cache = freshCache();
    const cases: Array<[Partial<FirmwareRequest>, string]> = [
      [{ chip: chip('esp8266'), flashBytes: 1024 * 1024 }, 'ESP8266_GENERIC-FLASH_1M-20251209-v1.27.0.bin'],
      [{ chip: chip('esp8266'), flashBytes: 512 * 1024 }, 'ESP8266_GENERIC-FLASH_512K-20251209-v1.27.0.bin'],
      [{ chip: chip('esp8266'), flashBytes: 4 * 1024 * 1024 }, 'ESP8266_GENERIC-20251209-v1.27.0.bin'],
      [{ chip: chip('esp32'), variant: 'SPIRAM' }, 'ESP32_GENERIC-SPIRAM-20251209-v1.27.0.bin'],
      [{ chip: chip('esp32'), version: 'preview' }, 'ESP32_GENERIC-20260110-v1.28.0-preview.16.g1a2b3c4d5.bin'],
      [{ chip: chip('esp32'), version: '1.24.1', variant: 'UNICORE' }, 'ESP32_GENERIC-UNICORE-20241129-v1.24.1.bin'],
      [{ chip: chip('esp32'), version: '1.18' }, 'esp32-20220117-v1.18.bin'],
      [{ chip: chip('esp8266'), version: '1.9.4' }, 'esp8266-20180511-v1.9.4.bin'],
      [{ chip: chip('esp32s3'), board: 'ESP32_GENERIC_S3', variant: 'SPIRAM_OCT' }, 'ESP32_GENERIC_S3-SPIRAM_OCT-20251209-v1.27.0.bin'],
      [{ board: 'ESP32_GENERIC_C3' }, 'ESP32_GENERIC_C3-20251209-v1.27.0.bin'],
    ];
    for (const [req, expected] of cases) {
      const { fw } = await resolve(req, cache);
      assert.equal(fw.fileName, expected, JSON.stringify({ ...req, chip: req.chip?.id }));
      assert.deepEqual(fw.bytes, site.imageFor(expected));
    }
    const preview = await resolve({ chip: chip('esp32'), version: 'preview' }, cache);
    assert.equal(preview.fw.preview, true);
    assert.equal(preview.fw.buildDate, '2026-01-10');
  });

  const refuses = async (fault: Parameters<SiteServer['faults']['set']>[1], req: Partial<FirmwareRequest>, fileName: string, kind: ErrorKind) => {
    const cache = freshCache();
    site.faults.set(fileName, fault);
    try {
      await assert.rejects(resolve(req, cache), (e) => {
        assert.ok(isUpyflashError(e, kind), `expected ${kind}, got ${String(e)}`);
        assert.ok(e.message.includes(`/resources/firmware/${fileName}`), `message names the URL: ${e.message}`);
        return true;
      });
    } finally {
      site.faults.delete(fileName);
    }
    // Nothing from a bad download is kept.
    const index = JSON.parse(await readFile(join(cache, 'index.json'), 'utf8')) as { files: Record<string, unknown> };
    assert.deepEqual(Object.keys(index.files), []);
  };

  it('refuses an HTML page served as .bin, naming the URL, and caches nothing', async () => {
    await refuses('html', { chip: chip('esp32c3'), version: '1.26.1' }, 'ESP32_GENERIC_C3-20250911-v1.26.1.bin', 'NOT_AN_IMAGE');
  });

  it('refuses a download shorter than its Content-Length', async () => {
    await refuses('short-length', { chip: chip('esp32c3'), version: '1.24.1' }, 'ESP32_GENERIC_C3-20241129-v1.24.1.bin', 'TRUNCATED_IMAGE');
  });

  it('refuses an image shorter than its headers say', async () => {
    await refuses('cut-image', { chip: chip('esp32'), variant: 'D2WD' }, 'ESP32_GENERIC-D2WD-20251209-v1.27.0.bin', 'TRUNCATED_IMAGE');
  });

  it('refuses an image built for another chip', async () => {
    await refuses('wrong-chip', { chip: chip('esp32s3'), version: '1.26.1' }, 'ESP32_GENERIC_S3-20250911-v1.26.1.bin', 'WRONG_CHIP');
  });

  it('warns when the image inside says another version than its file name', async () => {
    const name = 'ESP32_GENERIC_C3-20241129-v1.24.1.bin';
    site.faults.set(name, 'other-version');
    try {
      const { fw } = await resolve({ chip: chip('esp32c3'), version: '1.24.1' }, freshCache());
      assert.ok(fw.warnings.some((w) => w.includes('file name says v1.24.1 but the image holds MicroPython v1.20.0')), fw.warnings.join('\n'));
    } finally {
      site.faults.delete(name);
    }
  });

  it('reports a listed file that answers 404', async () => {
    const name = 'ESP32_GENERIC-OTA-20250911-v1.26.1.bin';
    site.faults.set(name, 'not-found');
    try {
      await assert.rejects(resolve({ chip: chip('esp32'), variant: 'OTA' }, freshCache()), (e) => isUpyflashError(e, 'DOWNLOAD_FAILED') && e.message.includes(name) && /404/.test(e.message));
    } finally {
      site.faults.delete(name);
    }
  });

  it('says so when a board has no page (404)', async () => {
    // TinyPICO has a card on the ESP32 list but no page of its own here.
    await assert.rejects(resolve({ chip: chip('esp32'), board: 'UM_TINYPICO' }, freshCache()), (e) => isUpyflashError(e, 'FIRMWARE_NOT_FOUND') && /UM_TINYPICO/.test(e.message));
  });

  it('falls back to the table of known releases when a page layout cannot be read, and says so', async () => {
    const newest = 'ESP32_GENERIC_S2-20251209-v1.27.0.bin';
    site.faults.set(newest, 'not-found'); // not every board is in every release: the next older one is tried
    try {
      const { fw, rec } = await resolve({ chip: chip('esp32s2') }, freshCache());
      assert.equal(fw.source, 'fallback-table');
      assert.equal(fw.fileName, 'ESP32_GENERIC_S2-20250911-v1.26.1.bin');
      assert.deepEqual(fw.bytes, site.imageFor(fw.fileName));
      assert.match(rec.text('warn'), /no firmware links found .*known releases/);
    } finally {
      site.faults.delete(newest);
    }
    await assert.rejects(resolve({ chip: chip('esp32s2'), version: 'preview' }, freshCache()), (e) => isUpyflashError(e, 'CATALOG_UNREADABLE'));
  });

  it('works offline from the cache and says so; fails clearly with an empty cache', async () => {
    const cache = freshCache();
    const online = await resolve({ chip: chip('esp8266'), flashBytes: 1024 * 1024 }, cache);
    const s2 = await resolve({ chip: chip('esp32s2') }, cache); // page unreadable: only the file is cached
    const offlineOpts = { http: offlineFetch };
    const rec = new Recorder();
    const offline = await resolveFirmware({ chip: chip('esp8266'), flashBytes: 1024 * 1024, baseUrl: site.baseUrl, cacheDir: cache }, rec, offlineOpts);
    assert.equal(offline.fromCache, true);
    assert.equal(offline.source, 'cache');
    assert.equal(offline.fileName, online.fw.fileName);
    assert.deepEqual(offline.bytes, online.fw.bytes);
    assert.match(rec.text('warn'), /offline/);
    // A listed but never downloaded newer build does not block: the newest cached one is used.
    const olderFirst = freshCache();
    await resolve({ chip: chip('esp32'), version: '1.26.1' }, olderFirst);
    const rec2 = new Recorder();
    const fallback = await resolveFirmware({ chip: chip('esp32'), baseUrl: site.baseUrl, cacheDir: olderFirst }, rec2, offlineOpts);
    assert.equal(fallback.fileName, 'ESP32_GENERIC-20250911-v1.26.1.bin');
    assert.match(rec2.text('warn'), /v1\.27\.0 is listed but not cached/);
    // No cached page at all, but a cached file for the board.
    const fromFiles = await resolveFirmware({ chip: chip('esp32s2'), baseUrl: site.baseUrl, cacheDir: cache }, new Recorder(), offlineOpts);
    assert.equal(fromFiles.fileName, s2.fw.fileName);
    assert.equal(fromFiles.source, 'cache');
    await assert.rejects(
      resolveFirmware({ chip: chip('esp32c3'), baseUrl: site.baseUrl, cacheDir: freshCache() }, new Recorder(), offlineOpts),
      (e) => isUpyflashError(e, 'OFFLINE_NO_CACHE'),
    );
  });

  it('treats a server that stops answering as offline (idle timeout)', async () => {
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/download/ESP32_GENERIC/`;
    try {
      await assert.rejects(fetchGet(url, { idleTimeoutMs: 200 }), (e) => isUpyflashError(e, 'DOWNLOAD_FAILED') && e.details['reason'] === 'timeout');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

/** A fetch that fails the way Node's does without a network. */
const offlineFetch: typeof fetchGet = (url) => fetchGet(url.replace(/^http:\/\/127\.0\.0\.1:\d+/, 'http://127.0.0.1:1'));

describe('cache folder', () => {
  it('follows each platform\'s convention, overridable by UPYFLASH_CACHE_DIR', () => {
    assert.equal(defaultCacheDir({}, 'linux', '/home/ada'), '/home/ada/.cache/upyflash');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/ada' }, 'linux', '/home/ada'), '/var/cache/ada/upyflash');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/ada'), '/home/ada/.cache/upyflash');
    assert.equal(defaultCacheDir({}, 'darwin', '/Users/ada'), '/Users/ada/Library/Caches/upyflash');
    assert.equal(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32', 'C:\\Users\\ada'), 'C:\\Users\\ada\\AppData\\Local\\upyflash\\Cache');
    assert.equal(defaultCacheDir({ UPYFLASH_CACHE_DIR: '/tmp/x' }, 'darwin', '/Users/ada'), '/tmp/x');
  });

  it('keys files by URL so equal names from two mirrors do not collide', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upyflash-store-'));
    try {
      const store = new FsCatalogStore(dir);
      const a = new Uint8Array([1, 2, 3]);
      const b = new Uint8Array([4, 5, 6, 7]);
      await store.writeFile('https://a.example/resources/firmware/X-20250101-v1.0.0.bin', a, sha256Hex(a));
      await store.writeFile('https://b.example/resources/firmware/X-20250101-v1.0.0.bin', b, sha256Hex(b));
      assert.deepEqual((await store.readFile('https://a.example/resources/firmware/X-20250101-v1.0.0.bin'))?.bytes, a);
      assert.deepEqual((await store.readFile('https://b.example/resources/firmware/X-20250101-v1.0.0.bin'))?.bytes, b);
      assert.equal((await store.fileUrls()).length, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
