import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Op } from '../../src/protocol/opcodes.js';
import { decodeResponse, encodeCommand, SYNC_PAYLOAD } from '../../src/protocol/packet.js';
import { SlipDecoder, slipEncode } from '../../src/protocol/slip.js';
import {
  baudPayload,
  COM_PORT_OPTION,
  ComPort,
  Control,
  DO,
  DONT,
  negotiation,
  Purge,
  readBaudPayload,
  SGA,
  WILL,
  WONT,
} from '../../src/transport/rfc2217-codec.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { echoApp, serveBoard, TINY_ESP32_IMAGE } from '../../harness/board-fixture.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { ECHO, PyserialLikeClient } from '../../harness/rfc2217-client.js';
import { sleep } from '../../harness/collect.js';

const cleanup = cleanupAfterAll();

const serve = (board: VirtualBoard) => serveBoard(board, cleanup);

describe('virtual board server: RFC 2217 clients', () => {
  it('negotiates telnet options, acknowledges port settings and the signature', async () => {
    const board = new VirtualBoard({ chip: 'esp32', flashTiming: false });
    const server = await serve(board);
    const c = await PyserialLikeClient.open(server.port);
    assert.ok(c.has(WILL, ECHO) && c.has(WILL, SGA) && c.has(DO, SGA) && c.has(WILL, COM_PORT_OPTION) && c.has(DO, COM_PORT_OPTION));
    const signature = new TextDecoder().decode(await c.comPort(ComPort.SIGNATURE, new Uint8Array(0)));
    assert.match(signature, /ESP32/);
    assert.equal(readBaudPayload(await c.comPort(ComPort.SET_BAUDRATE, baudPayload(0))), 115200, 'baud query');
    assert.deepEqual(await c.comPort(ComPort.PURGE_DATA, Uint8Array.of(Purge.RECEIVE)), Uint8Array.of(Purge.RECEIVE));
    // An option the server does not do is refused; an option already agreed is not answered again,
    // so two agreeing peers never loop.
    const TERMINAL_TYPE = 24;
    const before = c.negotiations.length;
    c.raw(negotiation(WILL, COM_PORT_OPTION));
    c.raw(negotiation(WILL, TERMINAL_TYPE));
    c.raw(negotiation(DO, TERMINAL_TYPE));
    await c.until(() => c.has(DONT, TERMINAL_TYPE) && c.has(WONT, TERMINAL_TYPE));
    await sleep(50);
    assert.deepEqual(c.negotiations.slice(before), [
      [DONT, TERMINAL_TYPE],
      [WONT, TERMINAL_TYPE],
    ]);
    c.close();
  });

  it('enters download mode with esptool\'s classic reset sent as SET_CONTROL, then answers SYNC', async () => {
    const board = new VirtualBoard({ chip: 'esp32', flashTiming: false });
    const server = await serve(board);
    const c = await PyserialLikeClient.open(server.port);
    await c.control(Control.DTR_OFF);
    await c.control(Control.RTS_ON);
    await sleep(100);
    await c.control(Control.DTR_ON);
    await c.control(Control.RTS_OFF);
    await sleep(50);
    await c.control(Control.DTR_OFF);
    await c.until(() => c.text().includes('waiting for download') || board.state === 'download');
    assert.equal(board.state, 'download');
    c.text();
    c.write(slipEncode(encodeCommand(Op.SYNC, SYNC_PAYLOAD)));
    const slip = new SlipDecoder();
    const replies: number[] = [];
    await c.until(() => {
      for (const item of slip.push(Uint8Array.from(c.data.splice(0)))) if (item.kind === 'frame') replies.push(decodeResponse(item.data)?.op ?? -1);
      return replies.length >= 8;
    });
    assert.deepEqual(replies, new Array(8).fill(Op.SYNC));
    c.close();
  });

  it('doubles 0xFF in data both ways, and the chip sees single bytes', async () => {
    const board = new VirtualBoard({ chip: 'esp32', app: echoApp, flashTiming: false });
    board.flash.program(0x1000, TINY_ESP32_IMAGE);
    const server = await serve(board);
    const c = await PyserialLikeClient.open(server.port);
    await c.until(() => c.text().includes('hello'));
    c.wire = [];
    const payload = Uint8Array.of(0x41, 0xff, 0xff, 0x42, 0xff);
    c.write(payload);
    await c.until(() => c.data.length >= payload.length);
    assert.deepEqual(Uint8Array.from(c.data), payload, 'echo undoubled');
    assert.deepEqual(Uint8Array.from(c.wire), Uint8Array.of(0x41, 0xff, 0xff, 0xff, 0xff, 0x42, 0xff, 0xff), 'doubled on the wire');
    assert.equal(board.linkBytes.hostToChip, payload.length, 'the chip got 5 bytes, not 8');
    c.close();
  });

  it('makes a baud rate mismatch visible: SET_BAUDRATE to a rate the chip is not at gives garbage', async () => {
    const board = new VirtualBoard({ chip: 'esp32', app: echoApp, flashTiming: false });
    board.flash.program(0x1000, TINY_ESP32_IMAGE);
    const server = await serve(board);
    const c = await PyserialLikeClient.open(server.port);
    await c.until(() => c.text().includes('hello'));
    await c.comPort(ComPort.SET_BAUDRATE, baudPayload(9600));
    c.write(new TextEncoder().encode('abcdef'));
    await sleep(150);
    assert.ok(!c.text().includes('abcdef'));
    await c.comPort(ComPort.SET_BAUDRATE, baudPayload(115200));
    c.write(new TextEncoder().encode('abcdef'));
    await c.until(() => c.text().includes('abcdef'));
    c.close();
  });

  it('gives the board to the newest client and closes the previous one', async () => {
    const board = new VirtualBoard({ chip: 'esp32', flashTiming: false });
    const server = await serve(board);
    const first = await PyserialLikeClient.open(server.port);
    const second = await PyserialLikeClient.open(server.port);
    await first.until(() => first.closed);
    assert.equal(second.closed, false);
    second.close();
  });
});
