/**
 * Board files over the raw REPL against the virtual board on TCP: binary data, awkward names and
 * nested folders round-trip with raw-paste and in classic raw mode; a local copy never leaves its
 * folder; unchanged files are skipped by hash.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Reporter } from '../../src/progress.js';
import { BoardFs } from '../../src/repl/board-fs.js';
import { downloadTree, localTreeItems, uploadItems, verifyOnBoard } from '../../src/repl/file-transfer.js';
import { LocalFolder } from '../../src/repl/node/local-folder.js';
import { RawRepl } from '../../src/repl/raw-repl.js';
import { hardReset, smallFirmware, startBoardOnTcp, type BoardOnTcp } from '../virtual-board/mpy-fixtures.js';

const boards: BoardOnTcp[] = [];
const dirs: string[] = [];
after(async () => {
  for (const b of boards) await b.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'upyflash-files-'));
  dirs.push(d);
  return d;
}

async function replOn(opts: { boardRawPaste: boolean; client: 'auto' | 'never' }): Promise<RawRepl> {
  const b = await startBoardOnTcp({ firmware: smallFirmware('esp32'), app: { rawPaste: opts.boardRawPaste } });
  boards.push(b);
  const t = await b.connect();
  await hardReset(t);
  const repl = new RawRepl(t, { rawPaste: opts.client });
  await repl.enter();
  return repl;
}

const binary = Uint8Array.from({ length: 3000 }, (_, i) => (i * 131 + (i >> 8)) & 0xff);
const AWKWARD = ["with space.txt", "it's \"quoted\".py", 'ünïcödé €.bin', 'back\\slash', 'tab\there'];

for (const mode of [
  { name: 'raw-paste', boardRawPaste: true, client: 'auto' as const, expectPaste: true },
  { name: 'classic raw mode (board without raw-paste)', boardRawPaste: false, client: 'auto' as const, expectPaste: false },
]) {
  test(`put/get/ls round-trip binary files, awkward names and nested folders (${mode.name})`, async () => {
    const repl = await replOn(mode);
    const fs = new BoardFs(repl);
    await fs.makeDirs('/lib/deep er/déjà');
    const files = new Map<string, Uint8Array>();
    files.set('/lib/deep er/déjà/data.bin', binary);
    files.set('/empty', new Uint8Array(0));
    AWKWARD.forEach((name, i) => files.set(`/lib/${name}`, Uint8Array.from([i, 0, 255, 10, 13, 4, 3, 1, 92, 39])));
    for (const [path, data] of files) await fs.writeFile(path, data);
    assert.equal(repl.rawPasteSupported, mode.expectPaste);

    for (const [path, data] of files) assert.deepEqual(await fs.readFile(path), data, path);
    const listed = await fs.walk('/');
    assert.deepEqual(
      listed.map((e) => `${e.type}:${e.path}`).sort(),
      [
        'file:/boot.py',
        'file:/empty',
        'dir:/lib',
        'dir:/lib/deep er',
        'dir:/lib/deep er/déjà',
        ...[...files.keys()].filter((p) => p.startsWith('/lib/')).map((p) => `file:${p}`),
      ].sort(),
    );
    assert.deepEqual(await fs.stat('/lib/deep er/déjà/data.bin'), { type: 'file', size: binary.length });
    assert.equal(await fs.stat('/nothing'), undefined);

    // Download the whole tree and compare byte for byte; odd names are escaped, never dropped.
    const local = tempDir();
    const records = await downloadTree(fs, '/', new LocalFolder(local), new Reporter());
    assert.deepEqual(readFileSync(join(local, 'lib', 'deep er', 'déjà', 'data.bin')), Buffer.from(binary));
    assert.deepEqual(readFileSync(join(local, 'lib', "it's \"quoted\".py")), Buffer.from(files.get("/lib/it's \"quoted\".py")!));
    assert.deepEqual(readFileSync(join(local, 'lib', 'back%5Cslash')), Buffer.from(files.get('/lib/back\\slash')!));
    assert.deepEqual(readFileSync(join(local, 'lib', 'tab%09here')), Buffer.from(files.get('/lib/tab\there')!));
    assert.deepEqual(readdirSync(local).sort(), ['boot.py', 'empty', 'lib']);
    assert.equal(records.filter((r) => r.type === 'file').length, files.size + 1);

    // Upload it again: every file is already identical, so nothing is written.
    const folder = new LocalFolder(local);
    const again = await uploadItems(
      records.map((r) => ({ localPath: r.localPath, boardPath: r.boardPath, type: r.type })),
      folder,
      fs,
      { skipUnchanged: true },
      new Reporter(),
    );
    assert.deepEqual(again.written, []);
    assert.equal(again.skipped.length, files.size + 1);

    await fs.removeTree('/lib');
    assert.deepEqual((await fs.list('/')).map((e) => e.name).sort(), ['boot.py', 'empty']);
    await repl.exit();
  });
}

test('a local tree syncs onto the board and a second sync writes only what changed', async () => {
  const repl = await replOn({ boardRawPaste: true, client: 'auto' });
  const fs = new BoardFs(repl);
  const local = tempDir();
  const folder = new LocalFolder(local);
  await folder.write('main.py', new TextEncoder().encode('print("hi")\n'));
  await folder.write('lib/util.py', new TextEncoder().encode('X = 1\n'));
  const first = await uploadItems(await localTreeItems(folder, '/'), folder, fs, { skipUnchanged: true }, new Reporter());
  assert.deepEqual(first.written.sort(), ['/lib/util.py', '/main.py']);
  await folder.write('lib/util.py', new TextEncoder().encode('X = 2\n'));
  const second = await uploadItems(await localTreeItems(folder, '/'), folder, fs, { skipUnchanged: true }, new Reporter());
  assert.deepEqual({ written: second.written, skipped: second.skipped }, { written: ['/lib/util.py'], skipped: ['/main.py'] });
  assert.equal(new TextDecoder().decode(await fs.readFile('/lib/util.py')), 'X = 2\n');
  // The records carry the local hashes, so a check after the last write covers written and skipped files.
  assert.deepEqual(await verifyOnBoard(fs, second.records), []);
  assert.deepEqual(second.records.map((r) => r.boardPath).sort(), ['/lib/util.py', '/main.py']);
});

test('a local folder refuses paths that would leave it', async () => {
  const folder = new LocalFolder(tempDir());
  for (const bad of ['../escape.txt', 'a/../../escape.txt', '/etc/passwd']) {
    await assert.rejects(folder.write(bad, new Uint8Array(1)), { kind: 'UNSAFE_PATH' }, bad);
  }
});
