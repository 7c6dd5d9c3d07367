import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualBoard, type VirtualBoardOptions } from '../../src/virtual-board/board.js';
import { echoApp, FlashedBoard, TINY_ESP32_IMAGE } from '../../harness/board-fixture.js';

function bootedEcho(opts: Partial<VirtualBoardOptions> = {}): FlashedBoard {
  return new FlashedBoard({ app: echoApp, ...opts });
}

const msFor = (bytes: number, baud: number): number => (bytes * 10 * 1000) / baud;

describe('virtual board: UART line model', () => {
  it('boots the application from a valid image, after the ROM shows what it loads', () => {
    const r = bootedEcho();
    r.clock.advance(1000);
    const text = new TextDecoder('latin1').decode(r.take());
    assert.equal(
      text,
      'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n' +
        'configsip: 0, SPIWP:0xee\r\nclk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n' +
        'mode:DIO, clock div:2\r\nload:0x3fff0030,len:16\r\nentry 0x40080400\r\nhello\r\n',
    );
    assert.equal(r.board.state, 'app');
  });

  it('takes 10 bit times per byte at 115200: the boot text arrives exactly when its last bit has', () => {
    const r = bootedEcho({ resetDelayMs: 10 });
    r.clock.advance(1000);
    const total = r.take().length;

    const again = bootedEcho({ resetDelayMs: 10 });
    const done = 10 + msFor(total, 115200);
    again.clock.advance(done - 0.6);
    assert.ok(again.count < total, `${again.count} of ${total} bytes before the line time is up`);
    assert.ok(again.count > 0, 'the first slices arrive progressively');
    again.clock.advance(0.6);
    assert.equal(again.count, total);
  });

  it('is full duplex: an echo of N bytes is back one line time (plus a slice) after the last byte went out', () => {
    const r = bootedEcho();
    r.clock.advance(1000);
    r.take();
    const n = 2000;
    const data = new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
    const sentAt = r.clock.now();
    r.port.write(data);
    r.clock.advance(msFor(n, 115200) - 1);
    assert.ok(r.count < n, 'not before the bytes have crossed the wire');
    // Each 10 ms slice is echoed as it arrives, so the reply trails the request by one slice only.
    r.clock.advance(25);
    assert.deepEqual(r.take(), data);
    assert.ok(r.clock.now() - sentAt < 2 * msFor(n, 115200), 'both directions ran at once');
    assert.deepEqual(r.board.linkBytes.hostToChip, n);
  });

  it('queues writes behind each other: two writes take the time of both', () => {
    const r = bootedEcho();
    r.clock.advance(1000);
    r.take();
    r.port.write(new Uint8Array(1000).fill(0x41));
    r.port.write(new Uint8Array(1000).fill(0x42));
    r.clock.advance(msFor(2000, 115200) - 12);
    assert.ok(r.count < 2000);
    r.clock.advance(40);
    const got = r.take();
    assert.equal(got.length, 2000);
    assert.equal(got[999], 0x41);
    assert.equal(got[1000], 0x42);
  });

  it('turns bytes into garbage when host and chip disagree on the baud rate', () => {
    const r = bootedEcho();
    r.port.setBaud(921600);
    r.clock.advance(1000);
    const boot = r.take();
    assert.ok(!new TextDecoder('latin1').decode(boot).includes('ets '), 'the boot text is not readable');
    // A receiver 8x faster than the sender sees about 8 characters per byte sent.
    assert.ok(boot.length > 8 * 100, `${boot.length} garbage bytes`);
    r.port.setBaud(115200);
    r.clock.advance(100);
    r.take();
    r.port.setBaud(57600);
    r.port.write(new TextEncoder().encode('print(1)\r\n'));
    r.port.setBaud(115200);
    r.clock.advance(100);
    const echoed = new TextDecoder('latin1').decode(r.take());
    assert.notEqual(echoed, 'print(1)\r\n', 'the chip heard noise, not the text');
  });

  it('delivers at once (still asynchronously) with the line model off', async () => {
    const board = new VirtualBoard({ chip: 'esp32', app: echoApp, flashTiming: false, linkModel: false, resetDelayMs: 1 });
    board.flash.program(0x1000, TINY_ESP32_IMAGE);
    const port = board.connect();
    const got: number[] = [];
    port.onData((d) => got.push(...d));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(board.state, 'app');
    got.length = 0;
    const data = new Uint8Array(100_000).fill(0x55);
    port.write(data);
    assert.equal(got.length, 0, 'not synchronously inside write()');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, data.length, 'a 100 kB echo at 115200 would take 17 s on the wire');
    board.close();
  });
});
