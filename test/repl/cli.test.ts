/**
 * The REPL verbs as a user runs them: `upyflash run`, `fs`, `repl` (stdin a pipe) and
 * `flash --keep-files`, as subprocesses against the virtual board on TCP (RFC 2217).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliPath } from '../../harness/paths.js';
import { smallFirmware, startBoardOnTcp, type BoardOnTcp } from '../virtual-board/mpy-fixtures.js';
import { ByteReader } from '../../src/repl/byte-reader.js';

const boards: BoardOnTcp[] = [];
const dirs: string[] = [];
after(async () => {
  for (const b of boards) await b.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'upyflash-cli-'));
  dirs.push(d);
  return d;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `typeAfter`: what the user types once stdout shows `seen` (or after 10 s), closing stdin after it. */
function cli(args: string[], opts: { cwd?: string; stdin?: string; typeAfter?: { seen: RegExp; text: string }; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    });
    let stdout = '';
    let stderr = '';
    const after = opts.typeAfter;
    let typed = false;
    const typeRest = (): void => {
      if (typed || !after) return;
      typed = true;
      child.stdin.end(after.text);
    };
    const fallback = after ? setTimeout(typeRest, 10_000) : undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      if (after && after.seen.test(stdout)) typeRest();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    if (after) child.stdin.write(opts.stdin ?? '');
    else if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    else child.stdin.end();
    child.on('close', () => clearTimeout(fallback));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function boardUrl(): Promise<string> {
  const b = await startBoardOnTcp({ firmware: smallFirmware('esp32') });
  boards.push(b);
  // As a board on a desk: powered and at its prompt before the user types (MicroPython starts in a worker).
  const t = await b.connect();
  await new ByteReader(t).readUntil('>>> ', 15000, 'the prompt');
  await t.close();
  return b.url;
}

test('run prints the output and exits 0; an exception prints the traceback and exits 7', async () => {
  const url = await boardUrl();
  const dir = temp();
  writeFileSync(join(dir, 'ok.py'), 'for i in range(3):\n    print("line", i)\n');
  writeFileSync(join(dir, 'bad.py'), 'print("before")\nraise ValueError("boom")\n');
  const ok = await cli(['run', join(dir, 'ok.py'), '-p', url]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'line 0\r\nline 1\r\nline 2\r\n');
  const bad = await cli(['run', join(dir, 'bad.py'), '-p', url]);
  assert.equal(bad.code, 7);
  assert.equal(bad.stdout, 'before\r\n');
  assert.match(bad.stderr, /ValueError: boom/);
  assert.match(bad.stderr, /error E062: .*raised ValueError: boom/);
});

test('fs put, ls, get and cat round-trip binary files with awkward names in nested folders', async () => {
  const url = await boardUrl();
  const src = temp();
  mkdirSync(join(src, 'pkg', 'sub dir'), { recursive: true });
  const blob = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 13) & 0xff));
  writeFileSync(join(src, 'pkg', 'sub dir', "it's ünï.bin"), blob);
  writeFileSync(join(src, 'pkg', 'main.py'), 'print("hi")\n');
  const put = await cli(['fs', 'put', join(src, 'pkg'), '/pkg', '-p', url]);
  assert.equal(put.code, 0, put.stderr);

  const ls = await cli(['fs', 'ls', '/pkg', '-r', '-p', url]);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /\s+12 {2}\/pkg\/main\.py\n/);
  assert.match(ls.stdout, / {6}1500 {2}\/pkg\/sub dir\/it's ünï\.bin\n/);

  const out = temp();
  const get = await cli(['fs', 'get', '/pkg', join(out, 'copy'), '-p', url]);
  assert.equal(get.code, 0, get.stderr);
  assert.deepEqual(readFileSync(join(out, 'copy', 'sub dir', "it's ünï.bin")), blob);
  assert.deepEqual(readdirSync(join(out, 'copy')).sort(), ['main.py', 'sub dir']);

  const cat = await cli(['fs', 'cat', 'pkg/main.py', '-p', url]);
  assert.equal(cat.stdout, 'print("hi")\n');

  const sync = await cli(['fs', 'sync', src, '-p', url, '--json']);
  assert.equal(sync.code, 0, sync.stderr);
  const doc = JSON.parse(sync.stdout) as { result: { written: string[]; skipped: string[] } };
  assert.deepEqual(doc.result.written, []);
  assert.equal(doc.result.skipped.length, 2);

  assert.equal((await cli(['fs', 'rm', '-r', '/pkg', '-p', url])).code, 0);
  const after = await cli(['fs', 'ls', '-p', url]);
  assert.doesNotMatch(after.stdout, /pkg/);
});

test('repl passes piped keystrokes through without resetting the board, and Ctrl-] ends it', async () => {
  const url = await boardUrl();
  // Ctrl-] once the answer is on the screen, as a person would press it.
  const r = await cli(['repl', '-p', url], { stdin: '\r\x03print(6*7)\r', typeAfter: { seen: /42\r\n>>> /, text: '\x1d' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /print\(6\*7\)\r\n42\r\n>>> /);
  assert.doesNotMatch(r.stdout, /rst:0x/, 'opening the REPL must not reset the board');
});

test('flash --keep-files keeps a tree of files across an erasing flash and reports the new version', async () => {
  const url = await boardUrl();
  const files = temp();
  mkdirSync(join(files, 'lib'), { recursive: true });
  writeFileSync(join(files, 'lib', 'mod.py'), 'X = 42\n');
  writeFileSync(join(files, 'main.py'), 'import mod\n');
  assert.equal((await cli(['fs', 'sync', files, '-p', url])).code, 0);

  const fwDir = temp();
  const fw = join(fwDir, 'ESP32_GENERIC-20260401-v1.28.0.bin');
  writeFileSync(fw, smallFirmware('esp32', { version: '1.28.0', buildDate: '2026-04-01' }));
  const cwd = temp();
  const data = temp();
  const flash = await cli(['flash', fw, '-p', url, '--erase', '--keep-files', '--json'], { cwd, env: { UPYFLASH_DATA_DIR: data } });
  assert.equal(flash.code, 0, flash.stderr + flash.stdout);
  const doc = JSON.parse(flash.stdout) as { result: { bootCheck: { version: string; keptFiles: { backupDir: string; files: number } } } };
  assert.equal(doc.result.bootCheck.version, '1.28.0');
  assert.equal(doc.result.bootCheck.keptFiles.files, 3);
  // The backup is kept in the user's data folder, not where the command ran, and the output says where.
  assert.deepEqual(readdirSync(cwd), [], 'nothing left in the current folder');
  const kept = doc.result.bootCheck.keptFiles.backupDir;
  assert.equal(join(kept, '..'), join(data, 'backups'));
  assert.match(kept, /upyflash-backup-\d{8}-\d{6}$/);
  assert.equal(readFileSync(join(kept, 'lib', 'mod.py'), 'utf8'), 'X = 42\n');
  assert.ok(flash.stderr.includes(kept), 'the output names the backup folder');

  const cat = await cli(['fs', 'cat', '/lib/mod.py', '-p', url]);
  assert.equal(cat.stdout, 'X = 42\n');
});
