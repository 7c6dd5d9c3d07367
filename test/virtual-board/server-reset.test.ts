import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Control } from '../../src/transport/rfc2217-codec.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { echoApp, serveBoard, TINY_ESP32_IMAGE } from '../../harness/board-fixture.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { sleep } from '../../harness/collect.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { pyserialMissing, runPython } from '../../harness/pyserial.js';
import { Op } from '../../src/protocol/opcodes.js';
import { decodeResponse, encodeCommand, SYNC_PAYLOAD } from '../../src/protocol/packet.js';
import { SlipDecoder, slipEncode } from '../../src/protocol/slip.js';
import { PyserialLikeClient } from '../../harness/rfc2217-client.js';

const onCleanup = cleanupAfterAll();

/** A board without BOOT held: only a proper DTR/RTS sequence brings it into download mode. */
async function servedBoard(resetServer: boolean) {
  const board = new VirtualBoard({ chip: 'esp32', app: echoApp, flashTiming: false });
  board.flash.program(0x1000, TINY_ESP32_IMAGE);
  const server = await serveBoard(board, onCleanup, { resetServer });
  return { board, server };
}

/**
 * esptool's ClassicReset (reset.py) as pyserial's RFC 2217 client delivers it: one line per
 * SET_CONTROL, each at least 50 ms after the last (pyserial waits for the answer, or 0.1 s with
 * ?ign_set_control), plus esptool's own 0.1 s and 0.05 s pauses.
 */
async function classicResetAtPyserialPace(c: PyserialLikeClient): Promise<void> {
  const step = async (value: number, pauseMs = 50) => {
    await c.control(value);
    await sleep(pauseMs);
  };
  await step(Control.DTR_OFF);
  await step(Control.RTS_ON, 100);
  await step(Control.DTR_ON);
  await step(Control.RTS_OFF, 50);
  await step(Control.DTR_OFF);
}

describe('virtual-board --reset-server (esp_rfc2217_server reset handling)', () => {
  it('a ClassicReset with SET_CONTROLs 50 ms apart boots the firmware through a plain server, download mode through the reset server', async () => {
    const plain = await servedBoard(false);
    const c1 = await PyserialLikeClient.open(plain.server.port);
    await classicResetAtPyserialPace(c1);
    await sleep(200);
    assert.notEqual(plain.board.state, 'download', 'EN rose with GPIO0 high: the firmware runs');
    c1.close();

    const served = await servedBoard(true);
    const c2 = await PyserialLikeClient.open(served.server.port);
    await classicResetAtPyserialPace(c2);
    await c2.until(() => c2.text().includes('waiting for download') || served.board.state === 'download');
    await sleep(200);
    assert.equal(served.board.state, 'download');
    // The client reads back the lines it set, whatever the server played.
    assert.deepEqual(await c2.comPort(5, Uint8Array.of(7)), Uint8Array.of(Control.DTR_OFF));
    c2.close();
  });

  it('a hard reset (RTS pulse) boots the firmware again', async () => {
    const served = await servedBoard(true);
    const c = await PyserialLikeClient.open(served.server.port);
    await classicResetAtPyserialPace(c);
    await c.until(() => served.board.state === 'download');
    c.text();
    await c.control(Control.RTS_ON);
    await sleep(100);
    await c.control(Control.RTS_OFF);
    await c.until(() => c.text().includes('hello'));
    assert.notEqual(served.board.state, 'download');
    c.close();
  });

  it('`upyflash virtual-board --reset-server` (a separate process): the paced reset reaches the ROM loader, which answers SYNC', async () => {
    const board = await startBoardProcess({ args: ['--reset-server'] });
    onCleanup(() => board.stop().then(() => undefined));
    const c = await PyserialLikeClient.open(Number(board.hostPort.split(':')[1]));
    await classicResetAtPyserialPace(c);
    await sleep(200);
    c.text();
    const slip = new SlipDecoder();
    const replies: number[] = [];
    for (let attempt = 0; attempt < 5 && replies.length === 0; attempt++) {
      c.write(slipEncode(encodeCommand(Op.SYNC, SYNC_PAYLOAD)));
      await c.until(() => {
        for (const item of slip.push(Uint8Array.from(c.data.splice(0)))) if (item.kind === 'frame') replies.push(decodeResponse(item.data)?.op ?? -1);
        return replies.length > 0;
      }, 1000).catch(() => undefined);
    }
    assert.equal(replies[0], Op.SYNC);
    c.close();
  });

  it("pyserial's own client running esptool's ClassicReset reaches download mode", { skip: pyserialMissing() }, async () => {
    const script = (port: number) =>
      [
        'import serial, time',
        `s = serial.serial_for_url("rfc2217://127.0.0.1:${port}?ign_set_control", do_not_open=True, baudrate=115200, timeout=0.2)`,
        's.dtr = False',
        's.rts = False',
        's.open()',
        'time.sleep(0.3)',
        's.reset_input_buffer()',
        // esptool reset.py ClassicReset, line by line
        's.dtr = False',
        's.rts = True',
        'time.sleep(0.1)',
        's.dtr = True',
        's.rts = False',
        'time.sleep(0.05)',
        's.dtr = False',
        'out = b""',
        'end = time.time() + 1.5',
        'while time.time() < end: out += s.read(256)',
        'print("download" if b"waiting for download" in out else "firmware" if b"hello" in out else "nothing")',
        's.close()',
      ].join('\n');
    const plain = await servedBoard(false);
    const before = await runPython(script(plain.server.port));
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /firmware/, 'through a plain server the board boots its firmware');
    const served = await servedBoard(true);
    const after = await runPython(script(served.server.port));
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /download/);
  });
});
