import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUiServer, type UiServer } from '../../src/web/node/server.js';
import { CatalogClient } from '../../src/web/catalog-client.js';
import { isUpyflashError } from '../../src/errors.js';

let dir: string;
let server: UiServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upyflash-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>page</title>');
  writeFileSync(join(dir, 'assets', 'main-abc.js'), 'export {};');
  writeFileSync(join(dir, 'assets', 'micropython-x.wasm'), Uint8Array.of(0, 0x61, 0x73, 0x6d));
  writeFileSync(join(tmpdir(), 'upyflash-web-secret.txt'), 'secret');
  server = await startUiServer({ port: 0, pageDir: dir });
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Raw GET so the test controls the Host header and the path exactly as sent. */
function get(path: string, host = `127.0.0.1:${server.port}`): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves the page on 127.0.0.1 with a content security policy, and assets with their types', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>page<\/title>/);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(String(page.headers['content-security-policy']), /wasm-unsafe-eval/);
  const js = await get('/assets/main-abc.js');
  assert.match(String(js.headers['content-type']), /text\/javascript/);
  const wasm = await get('/assets/micropython-x.wasm');
  assert.equal(wasm.headers['content-type'], 'application/wasm');
});

test('refuses paths that leave the page folder and hosts other than localhost', async () => {
  assert.equal((await get('/../upyflash-web-secret.txt')).status, 404);
  assert.equal((await get('/%2e%2e/upyflash-web-secret.txt')).status, 404);
  assert.equal((await get('/assets/..%2f..%2fupyflash-web-secret.txt')).status, 404);
  assert.equal((await get('/missing.js')).status, 404);
  const rebound = await get('/', 'evil.example:80');
  assert.equal(rebound.status, 403);
  assert.equal((await get('/', `localhost:${server.port}`)).status, 200);
});

test('health says upyflash is there; without a catalog the firmware API answers with code and hint', async () => {
  const client = new CatalogClient(server.url);
  const health = await client.health();
  assert.equal(health?.name, 'upyflash');
  assert.equal(health?.catalog, false);
  await assert.rejects(client.list('esp32'), (e: unknown) => isUpyflashError(e, 'OFFLINE_NO_CACHE') && e.code === 'E052' && /local \.bin/.test(e.hint));
  await assert.rejects(client.list('z80'), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT'));
  await assert.rejects(client.download('../../etc/passwd'), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT'));
});

test('a page not served by upyflash ui (no API) reads as "no local server"', async () => {
  const client = new CatalogClient('http://127.0.0.1:1/');
  assert.equal(await client.health(), undefined);
});
