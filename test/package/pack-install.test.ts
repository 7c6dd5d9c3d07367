import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../harness/paths.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';

/**
 * The package as a user gets it: `npm pack` the built project, install the tarball into an empty
 * project with the network closed (only npm's cache), then use it the way the README says — the
 * CLI through npx, both entries from an ESM program, and their types from a TypeScript program.
 * A file missing from package.json "files", a dependency listed only as a devDependency, or types
 * that do not resolve under NodeNext all fail here and nowhere else.
 */

interface PackageJson {
  version: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines?: Record<string, string>;
}
interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

const cleanup = cleanupAfterAll();
const windows = process.platform === 'win32';
const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as PackageJson;

// npm and npx are .cmd scripts on Windows, which only a shell can start.
const npmWorks = spawnSync('npm', ['--version'], { shell: windows, encoding: 'utf8' }).status === 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    // `npm test` exports its settings to children: keep the cache and registry ones, drop what names
    // this project (its prefix, package fields, script), since the consumer is a project of its own.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(package_|lifecycle_|config_local_prefix$)/i.test(k)));
    const child = spawn(cmd, args, { cwd, env, shell: windows, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const ok = (r: Run, what: string) => assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);

/**
 * An empty project that depends on the tarball, with a lockfile so npm needs no registry metadata:
 * the tarball's own entry plus every non-dev entry of this repository's lockfile (the exact
 * versions, resolved URLs and integrity hashes `npm install` put in the cache).
 */
function writeConsumer(dir: string, tarball: string): void {
  const spec = `file:../${tarball}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(dir, '..', tarball))).digest('base64')}`;
  const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { upyflash: spec } },
    'node_modules/upyflash': { version: pkg.version, resolved: spec, integrity, license: 'MIT', dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && !entry.dev) packages[path] = entry;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { upyflash: spec } }));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
}

const ESM_CONSUMER = `
import * as lib from 'upyflash';
import * as node from 'upyflash/node';
import { autoDetect } from '@serialport/bindings-cpp';
const chip = lib.chipById('esp32');
console.log(JSON.stringify({
  main: Object.keys(lib).length,
  node: Object.keys(node).length,
  mainHasListPorts: 'listPorts' in lib,
  nodeHasListPorts: typeof node.listPorts,
  chip: chip?.id ?? null,
  error: new lib.UpyflashError('NO_PORTS', 'x').code,
  // serialport's native addon loads at import (a prebuilt binary, or one its install script built).
  binding: typeof autoDetect().list,
}));
`;

const TS_CONSUMER = `
import { chipById, UpyflashError, type PortInfo } from 'upyflash';
import { listPorts, openTransport, type ListPortsOptions } from 'upyflash/node';

const opts: ListPortsOptions = { platform: 'linux' };
const ports: Promise<PortInfo[]> = listPorts(opts);
const err: string = new UpyflashError('NO_PORTS', 'none').code;
void [ports, err, chipById, openTransport];

// Proves the declarations are real, not an implicit any: a wrong type must be refused.
// @ts-expect-error listPorts resolves to PortInfo[], never a number
const wrong: Promise<number> = listPorts(opts);
void wrong;
`;

test('the packed package installs offline and works as the README says', { skip: npmWorks ? false : 'npm is not on PATH', timeout: 240_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'upyflash-pack-'));
  cleanup(() => rmSync(work, { recursive: true, force: true }));
  const consumer = join(work, 'consumer');
  mkdirSync(consumer);

  // The build is `npm test`'s first step; prepare would only build it again.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], projectRoot);
  ok(packed, 'npm pack');
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  const files = info.files.map((f) => f.path.replace(/\\/g, '/'));

  for (const needed of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/upyflash.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/node.js', 'dist/src/node.d.ts', 'dist/src/cli/main.js', 'dist/web/index.html', 'docs/cli.md', 'docs/errors.md']) {
    assert.ok(files.includes(needed), `the package holds ${needed}`);
  }
  const unwanted = files.filter((f) => /(^|\/)(test|tests|fixtures|harness|bench)\//.test(f) || /\.(test|spec)\.[cm]?[jt]s$/.test(f) || f.endsWith('.map') || /^src\//.test(f));
  assert.deepEqual(unwanted, [], 'no tests, fixtures, harness, bench, sources or source maps');
  // A module left in dist/ by a file that was moved or deleted would ship as dead code.
  const stale = files.filter((f) => /^dist\/src\/.*\.js$/.test(f) && !existsSync(join(projectRoot, f.replace(/^dist\//, '').replace(/\.js$/, '.ts'))));
  assert.deepEqual(stale, [], 'every packed module has its source (run `npm run build` for a clean dist/)');

  writeConsumer(consumer, info.filename);
  const installed = await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], consumer, 120_000);
  ok(installed, 'npm install --offline of the tarball');

  const version = await run('npx', ['--no-install', 'upyflash', '--version'], consumer);
  ok(version, 'npx upyflash --version');
  assert.equal(version.stdout.trim(), pkg.version);

  const demo = await run('npx', ['--no-install', 'upyflash', 'demo'], consumer, 120_000);
  ok(demo, 'npx upyflash demo');
  assert.match(demo.stdout, /Verified/);
  assert.match(demo.stdout, /nothing written/);

  writeFileSync(join(consumer, 'use.js'), ESM_CONSUMER);
  const esm = await run(process.execPath, ['use.js'], consumer);
  ok(esm, 'the ESM consumer');
  const seen = JSON.parse(esm.stdout) as Record<string, unknown>;
  assert.equal(seen['mainHasListPorts'], false, 'the main entry stays browser-safe');
  assert.equal(seen['nodeHasListPorts'], 'function');
  assert.equal(seen['error'], 'E001');
  assert.equal(seen['chip'], 'esp32');
  assert.equal(seen['binding'], 'function', 'serialport\'s native binding loads');
  assert.ok((seen['node'] as number) > (seen['main'] as number));

  writeFileSync(join(consumer, 'use.ts'), TS_CONSUMER);
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        // Our declarations are checked too; @types/node is what any Node program using upyflash/node has.
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(projectRoot, 'node_modules', '@types')],
      },
      files: ['use.ts'],
    }),
  );
  const tsc = await run(process.execPath, [join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], consumer);
  ok(tsc, 'tsc --noEmit on the TypeScript consumer');
});
