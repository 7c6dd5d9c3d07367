/**
 * --keep-files end to end against the virtual board on TCP: back up a tree of files, flash with a
 * full erase (a real flash job), wait for the boot, restore and check by hash. And when restoring
 * fails, the backup stays and the error says where it is.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chipById } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { esptoolJsStub } from '../../src/stub/node/esptool-js-stubs.js';
import { connect } from '../../src/flasher/session.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { Reporter } from '../../src/progress.js';
import { BoardFs } from '../../src/repl/board-fs.js';
import { bootCheck } from '../../src/repl/boot-check.js';
import { BACKUP_MANIFEST, backupBoardFiles, defaultBackupDir, restoreBoardFiles, userDataDir } from '../../src/repl/node/keep-files.js';
import { RawRepl } from '../../src/repl/raw-repl.js';
import { hardReset, smallFirmware, startBoardOnTcp, type BoardOnTcp } from '../virtual-board/mpy-fixtures.js';

const boards: BoardOnTcp[] = [];
const dirs: string[] = [];
after(async () => {
  for (const b of boards) await b.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const TREE: Record<string, Uint8Array> = {
  '/main.py': new TextEncoder().encode('import app\napp.run()\n'),
  '/lib/app.py': new TextEncoder().encode('def run():\n    print("running")\n'),
  '/lib/drivers/sensor näme.py': new TextEncoder().encode('ADDR = 0x76\n'),
  '/data/blob.bin': Uint8Array.from({ length: 2048 }, (_, i) => (i * 37) & 0xff),
};

async function booted(): Promise<BoardOnTcp> {
  const b = await startBoardOnTcp({ firmware: smallFirmware('esp32', { version: '1.24.1', buildDate: '2024-11-29' }) });
  boards.push(b);
  return b;
}

async function writeTree(b: BoardOnTcp): Promise<void> {
  const t = await b.connect();
  const repl = new RawRepl(t);
  await repl.enter();
  const fs = new BoardFs(repl);
  for (const [path, data] of Object.entries(TREE)) {
    await fs.makeDirs(path.slice(0, path.lastIndexOf('/')));
    await fs.writeFile(path, data);
  }
  await repl.exit();
  await t.close();
}

async function readTree(b: BoardOnTcp): Promise<Record<string, Uint8Array>> {
  const t = await b.connect();
  const repl = new RawRepl(t);
  await repl.enter();
  const fs = new BoardFs(repl);
  const out: Record<string, Uint8Array> = {};
  for (const e of await fs.walk('/')) if (e.type === 'file') out[e.path] = await fs.readFile(e.path);
  await repl.exit();
  await t.close();
  return out;
}

test('--keep-files carries a tree of files across a flash that erases the chip', async () => {
  const b = await booted();
  await writeTree(b);
  const backupDir = join(mkdtempSync(join(tmpdir(), 'upyflash-keep-')), 'backup');
  dirs.push(backupDir);

  const t1 = await b.connect();
  const backup = await backupBoardFiles(t1, backupDir, new Reporter());
  await t1.close();
  assert.equal(backup.files.filter((f) => f.type === 'file').length, Object.keys(TREE).length + 1);
  assert.deepEqual(readFileSync(join(backupDir, 'lib', 'drivers', 'sensor näme.py')), Buffer.from(TREE['/lib/drivers/sensor näme.py']!));
  assert.ok(existsSync(join(backupDir, BACKUP_MANIFEST)));

  // The flash: a real job with a full erase, then the hard reset.
  const session = await connect(await b.connect(), { stubProvider: esptoolJsStub, deflate: nodeDeflate(9) }, new Reporter());
  await session.flash({ image: smallFirmware('esp32'), address: chipById('esp32')!.bootloaderOffset, eraseAll: true });
  await session.close('hard-reset');

  const t2 = await b.connect();
  const info = await bootCheck(t2, { timeoutMs: 8000 }, new Reporter());
  assert.equal(info.version, '1.27.0');
  await restoreBoardFiles(t2, backupDir, new Reporter());
  await t2.close();

  const onBoard = await readTree(b);
  for (const [path, data] of Object.entries(TREE)) assert.deepEqual(onBoard[path], data, path);
  assert.ok(onBoard['/boot.py']);
  assert.ok(existsSync(backupDir), 'the backup folder is kept');
});

test('when the restore cannot finish, the error names the backup folder and how to restore by hand', async () => {
  const b = await booted();
  await writeTree(b);
  const backupDir = join(mkdtempSync(join(tmpdir(), 'upyflash-keep-')), 'backup');
  dirs.push(backupDir);
  const t1 = await b.connect();
  await backupBoardFiles(t1, backupDir, new Reporter());
  await t1.close();

  // The board no longer runs MicroPython after the flash (erased): the restore must fail cleanly.
  b.board.flash.eraseAll();
  const t2 = await b.connect();
  await hardReset(t2);
  await assert.rejects(restoreBoardFiles(t2, backupDir, new Reporter()), (e: unknown) => {
    assert.ok(isUpyflashError(e, 'KEEP_FILES_FAILED'));
    assert.equal(e.code, 'E064');
    assert.ok(e.message.includes(backupDir));
    assert.match(e.hint, /upyflash fs sync/);
    return true;
  });
  assert.ok(existsSync(join(backupDir, 'main.py')));
});

test('backups go to the user data folder by platform convention, never the current folder', () => {
  const at = new Date(2025, 11, 9, 15, 30, 12);
  assert.equal(defaultBackupDir(at, {}, 'linux', '/home/ada'), '/home/ada/.local/share/upyflash/backups/upyflash-backup-20251209-153012');
  assert.equal(defaultBackupDir(at, { XDG_DATA_HOME: '/data/ada' }, 'linux', '/home/ada'), '/data/ada/upyflash/backups/upyflash-backup-20251209-153012');
  // XDG: a relative value is invalid and ignored.
  assert.equal(userDataDir({ XDG_DATA_HOME: 'rel/dir' }, 'linux', '/home/ada'), '/home/ada/.local/share/upyflash');
  assert.equal(defaultBackupDir(at, {}, 'darwin', '/Users/ada'), '/Users/ada/Library/Application Support/upyflash/backups/upyflash-backup-20251209-153012');
  assert.equal(defaultBackupDir(at, { LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32', 'C:\\Users\\ada'), 'C:\\Users\\ada\\AppData\\Local\\upyflash\\backups\\upyflash-backup-20251209-153012');
  assert.equal(userDataDir({ UPYFLASH_DATA_DIR: '/tmp/x' }, 'linux', '/home/ada'), '/tmp/x');
  assert.notEqual(join(defaultBackupDir(at), '..'), process.cwd());
});
