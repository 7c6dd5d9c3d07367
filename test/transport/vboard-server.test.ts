import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { startVirtualBoardServer } from '../../src/virtual-board/node/server.js';
import { openTransport } from '../../src/transport/node/open.js';
import { classicResetToDownload } from '../../harness/collect.js';

/** Our network transports against the virtual board's own TCP server (another module's code). */

test('rfc2217:// drives the reset circuit of a served virtual board into download mode', async () => {
  const board = new VirtualBoard({ chip: 'esp32', linkModel: false, flashTiming: false });
  const server = await startVirtualBoardServer({ board });
  const t = await openTransport(`rfc2217://127.0.0.1:${server.port}`, { baud: 115200 });
  try {
    assert.equal(t.capabilities.controlLines, true);
    // esptool's unix-tight sequence, one setSignals per step: both lines set, then the classic EN pulse.
    await t.setSignals({ dtr: false, rts: false });
    await t.setSignals({ dtr: true, rts: true });
    const text = await classicResetToDownload(t);
    assert.match(text, /boot:0x3/);
    assert.equal(board.state, 'download');
    await t.setBaud(460800);
    assert.equal(t.baud, 460800);
  } finally {
    await t.close();
    await server.close();
    board.close();
  }
});

test('socket:// reaches the same server as a raw bridge without control lines', async () => {
  const board = new VirtualBoard({ chip: 'esp32', linkModel: false, flashTiming: false, bootMode: 'download' });
  const server = await startVirtualBoardServer({ board });
  const t = await openTransport(`socket://127.0.0.1:${server.port}`, { baud: 115200 });
  try {
    assert.equal(t.capabilities.controlLines, false);
    // A SLIP-framed SYNC; the ROM in download mode answers with SLIP frames. Like esptool, send it
    // again until answered: the chip may still be booting when the first one arrives.
    const sync = Uint8Array.of(0xc0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55), 0xc0);
    const answer = [0xc0, 0x01, 0x08];
    let got: number[] = [];
    const answered = () => got.some((_, i) => answer.every((b, j) => got[i + j] === b));
    for (let attempt = 0; attempt < 20 && !answered(); attempt++) {
      await t.write(sync);
      got = [...got, ...(await t.read(500))];
    }
    assert.ok(answered(), `no SYNC answer in ${JSON.stringify(Buffer.from(got).toString('latin1'))}`);
  } finally {
    await t.close();
    await server.close();
    board.close();
  }
});
