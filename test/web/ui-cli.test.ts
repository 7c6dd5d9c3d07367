import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, projectRoot } from '../../harness/paths.js';
import { ensurePageBuilt } from './page-build.js';

const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;

function run(args: string[]): { child: ReturnType<typeof spawn>; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

test('upyflash ui --no-open serves the page and the API on 127.0.0.1 until interrupted', async () => {
  await ensurePageBuilt({ whenStale: false });
  const ui = run(['ui', '--no-open', '--port', '0']);
  const url = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /upyflash ui: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(ui.output());
      if (m) {
        clearInterval(poll);
        resolve(m[1]!);
      }
    }, 50);
    void ui.exited.then(() => {
      clearInterval(poll);
      reject(new Error(`ui exited early:\n${ui.output()}`));
    });
  });
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>upyflash/);
  const health = (await (await fetch(new URL('/api/health', url))).json()) as { name: string; version: string };
  assert.deepEqual([health.name, health.version], ['upyflash', version]);
  ui.child.kill('SIGTERM');
  assert.equal(await ui.exited, 0);
});

test('upyflash ui refuses a port that is not a number, with the usage exit code and E036', async () => {
  const ui = run(['ui', '--no-open', '--port', 'eighty']);
  assert.equal(await ui.exited, 2);
  assert.match(ui.output(), /error E036: --port: "eighty" is not a port number/);
  assert.match(ui.output(), /hint: /);
});
