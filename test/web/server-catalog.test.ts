import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSiteServer, type SiteServer } from '../fixtures/site/site-server.js';
import { startUiServer, type UiServer } from '../../src/web/node/server.js';
import { createNodeCatalogPort } from '../../src/web/node/catalog.js';
import { CatalogClient } from '../../src/web/catalog-client.js';
import { isUpyflashError } from '../../src/errors.js';
import { parseVersion, compareVersions } from '../../src/firmware/version.js';

let site: SiteServer;
let ui: UiServer;
let client: CatalogClient;
const dirs: string[] = [];

before(async () => {
  site = await startSiteServer();
  const pageDir = mkdtempSync(join(tmpdir(), 'upyflash-web-page-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'upyflash-web-cache-'));
  dirs.push(pageDir, cacheDir);
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>page</title>');
  ui = await startUiServer({ port: 0, pageDir, catalog: createNodeCatalogPort({ baseUrl: site.baseUrl, cacheDir }) });
  client = new CatalogClient(ui.url);
});

after(async () => {
  await ui.close();
  await site.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('the page gets the full-image firmware list for the detected chip, releases newest first, previews marked', async () => {
  assert.equal((await client.health())?.catalog, true);
  const list = await client.list('esp32');
  assert.equal(list.board, 'ESP32_GENERIC');
  assert.equal(list.offline, false);
  assert.ok(list.choices.every((c) => c.file.endsWith('.bin') && c.board === 'ESP32_GENERIC' && !c.cached));
  assert.ok(list.choices.some((c) => c.file === 'ESP32_GENERIC-20251209-v1.27.0.bin' && c.version === '1.27.0' && c.date === '2025-12-09'));
  assert.ok(list.choices.some((c) => c.preview));
  const releases = list.choices.filter((c) => !c.preview);
  for (let i = 1; i < releases.length; i++) {
    assert.ok(compareVersions(parseVersion(releases[i - 1]!.version)!, parseVersion(releases[i]!.version)!) >= 0, 'releases newest first');
  }
});

test('firmware bytes come through the local server (no CORS needed), then from the shared cache', async () => {
  const file = 'ESP32_GENERIC-20251209-v1.27.0.bin';
  const seen: Array<[number, number]> = [];
  const first = await client.download(file, (done, total) => seen.push([done, total]));
  assert.equal(first.source, 'download');
  assert.ok(seen.length > 0);
  assert.deepEqual(seen.at(-1), [first.bytes.length, first.bytes.length]);
  assert.deepEqual(first.bytes, site.imageFor(file));
  const fetches = site.requests.filter((r) => r.endsWith(file)).length;
  const second = await client.download(file);
  assert.equal(second.source, 'cache');
  assert.deepEqual(second.bytes, first.bytes);
  assert.equal(site.requests.filter((r) => r.endsWith(file)).length, fetches);
  const list = await client.list('esp32');
  assert.equal(list.choices.find((c) => c.file === file)?.cached, true);
});

test('a download that is not firmware reaches the page as the CLI error with code and hint', async () => {
  const file = 'ESP32_GENERIC-20241129-v1.24.1.bin';
  site.faults.set(file, 'html');
  await assert.rejects(client.download(file), (e: unknown) => isUpyflashError(e, 'NOT_AN_IMAGE') && e.code === 'E030' && e.hint.length > 0);
  site.faults.set(file, 'not-found');
  await assert.rejects(client.download(file), (e: unknown) => isUpyflashError(e) && e.code.startsWith('E05'));
  site.faults.delete(file);
  await assert.rejects(client.download('notes.txt'), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT'));
});

test('the page searches the chip\'s boards and lists a picked board\'s images; a bad board id is refused', async () => {
  const found = await client.searchBoards('esp32s2', 'S2 mini');
  assert.deepEqual(found, [{ id: 'LOLIN_S2_MINI', name: 'S2 mini', vendor: 'Wemos' }]);
  assert.deepEqual(await client.searchBoards('esp32s2', 'tinypico'), [], 'an ESP32 board is not offered for an S2');
  const list = await client.list('esp32s2', 'LOLIN_S2_MINI');
  assert.equal(list.board, 'LOLIN_S2_MINI');
  assert.deepEqual(
    list.choices.map((c) => c.file),
    ['LOLIN_S2_MINI-20251209-v1.27.0.bin', 'LOLIN_S2_MINI-20250911-v1.26.1.bin', 'LOLIN_S2_MINI-20241129-v1.24.1.bin'],
  );
  await assert.rejects(client.list('esp32s2', '../etc'), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT') && e.hint.length > 0);
  await assert.rejects(client.searchBoards('esp99', 'lolin'), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT'));
});

test('when the site is gone the list comes from the cache and says so', async () => {
  await client.list('esp32');
  await site.close();
  const list = await client.list('esp32');
  assert.equal(list.offline, true);
  assert.ok(list.choices.length > 0);
  await assert.rejects(client.list('esp32c6'), (e: unknown) => isUpyflashError(e, 'OFFLINE_NO_CACHE') && e.code === 'E052');
});
