/**
 * A file upload cut short by a disconnect (cable pulled, page closed) must leave the board's previous
 * version of the file intact: the writer fills a temporary name and renames it over the real file only
 * once everything arrived. Virtual board over TCP (RFC 2217), the same path as `upyflash fs put`.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BoardFs, tempNameFor } from '../../src/repl/board-fs.js';
import { RawRepl } from '../../src/repl/raw-repl.js';
import { hardReset, smallFirmware, startBoardOnTcp, type BoardOnTcp } from '../virtual-board/mpy-fixtures.js';

const boards: BoardOnTcp[] = [];
after(async () => {
  for (const b of boards) await b.close();
});

test('a disconnect during an upload leaves the previous version of the file intact', async () => {
  const b = await startBoardOnTcp({ firmware: smallFirmware('esp32') });
  boards.push(b);
  const first = await b.connect();
  await hardReset(first);
  const repl = new RawRepl(first);
  await repl.enter();
  const fs = new BoardFs(repl);
  const previous = new TextEncoder().encode('print("version 1")\n');
  await fs.writeFile('/data.py', previous);
  assert.equal(await fs.stat(tempNameFor('/data.py')), undefined, 'no temporary file is left after a complete write');

  // The new version is large enough to take many round trips; the line drops after the first ones.
  const next = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7) & 0xff);
  let sent = 0;
  const upload = fs.writeFile('/data.py', next, (done) => {
    sent = done;
    if (done >= 4096) void first.close();
  });
  await assert.rejects(upload);
  assert.ok(sent >= 4096 && sent < next.length, `the upload stopped part way (${sent} of ${next.length} bytes)`);

  // Reconnect (the board kept running, then reboots from its flash): the old file is still whole.
  const second = await b.connect();
  await hardReset(second);
  const again = new RawRepl(second);
  await again.enter();
  const fs2 = new BoardFs(again);
  assert.deepEqual(await fs2.readFile('/data.py'), previous);
  // And a complete upload replaces it, leaving no temporary file behind.
  await fs2.writeFile('/data.py', next);
  assert.deepEqual(await fs2.readFile('/data.py'), next);
  assert.equal(await fs2.stat(tempNameFor('/data.py')), undefined);
  await again.exit();
});

test('a write the board refuses at the rename (a folder has that name) leaves no temporary file', async () => {
  const b = await startBoardOnTcp({ firmware: smallFirmware('esp32') });
  boards.push(b);
  const t = await b.connect();
  await hardReset(t);
  const repl = new RawRepl(t);
  await repl.enter();
  const fs = new BoardFs(repl);
  await fs.mkdir('/lib');
  await assert.rejects(fs.writeFile('/lib', new Uint8Array([1, 2, 3])), { kind: 'REPL_ERROR', message: /OSError/ });
  assert.equal((await fs.stat('/lib'))?.type, 'dir', 'the folder is untouched');
  assert.equal(await fs.stat(tempNameFor('/lib')), undefined);
  await repl.exit();
});
