import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chipById } from '../../src/chips/index.js';
import { Op } from '../../src/protocol/opcodes.js';
import { dataPacket, decodeResponse, encodeCommand, SYNC_PAYLOAD, u32le, type RawResponse } from '../../src/protocol/packet.js';
import { SlipDecoder, slipEncode } from '../../src/protocol/slip.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../src/virtual-board/board.js';
import { ManualClock } from '../../src/virtual-board/manual-clock.js';
import { fileFlashStore } from '../../src/virtual-board/node/flash-file.js';
import { loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { echoApp, tinyEsp32Image } from '../../harness/board-fixture.js';

const IMAGE = tinyEsp32Image(new Uint8Array(64).map((_, i) => i));

/** A host speaking the serial protocol to a board in download mode, through modeled time. */
function downloadRig(opts: Partial<VirtualBoardOptions> = {}) {
  const clock = new ManualClock();
  const board = new VirtualBoard({ chip: 'esp32', bootMode: 'download', app: echoApp, clock, ...opts });
  const port = board.connect();
  const slip = new SlipDecoder();
  let frames: Uint8Array[] = [];
  let raw: number[] = [];
  port.onData((d) => {
    raw.push(...d);
    for (const item of slip.push(d)) if (item.kind === 'frame') frames.push(item.data);
  });
  clock.advance(100);
  raw = [];
  return {
    clock,
    board,
    port,
    send(op: number, data: Uint8Array, chk = 0): void {
      port.write(slipEncode(encodeCommand(op, data, chk)));
    },
    /** Runs modeled time until a reply to `op` arrives; returns it (or undefined after `ms`). */
    reply(op: number, ms = 5000): RawResponse | undefined {
      for (let t = 0; t < ms; t += 5) {
        const at = frames.findIndex((f) => decodeResponse(f)?.op === op);
        if (at >= 0) {
          const r = decodeResponse(frames[at]!);
          frames = frames.slice(at + 1);
          return r;
        }
        clock.advance(5);
      }
      return undefined;
    },
    frames(): Uint8Array[] {
      const f = frames;
      frames = [];
      return f;
    },
    text(): string {
      const s = String.fromCharCode(...raw);
      raw = [];
      return s;
    },
  };
}

/** Uploads esptool-js's stub the way esptool does (MEM_BEGIN / MEM_DATA / MEM_END) and waits for OHAI. */
function uploadStub(r: ReturnType<typeof downloadRig>): void {
  const stub = loadStubImage(chipById('esp32')!);
  for (const [addr, seg] of [
    [stub.textStart, stub.text],
    [stub.dataStart, stub.data],
  ] as const) {
    const blocks = Math.ceil(seg.length / 0x1800);
    r.send(Op.MEM_BEGIN, u32le(seg.length, blocks, 0x1800, addr));
    assert.equal(r.reply(Op.MEM_BEGIN)?.body[0], 0);
    for (let i = 0; i < blocks; i++) {
      const { data, checksum } = dataPacket(i, seg.subarray(i * 0x1800, (i + 1) * 0x1800));
      r.send(Op.MEM_DATA, data, checksum);
      assert.equal(r.reply(Op.MEM_DATA)?.body[0], 0);
    }
  }
  r.send(Op.MEM_END, u32le(0, stub.entry));
  assert.equal(r.reply(Op.MEM_END)?.body[0], 0);
  r.clock.advance(50);
  const ohai = r.frames().find((f) => String.fromCharCode(...f) === 'OHAI');
  assert.ok(ohai, 'the stub said OHAI');
}

describe('virtual board: download mode through the UART', () => {
  it('answers SYNC at 115200 with SLIP-framed replies', () => {
    const r = downloadRig();
    r.send(Op.SYNC, SYNC_PAYLOAD);
    const first = r.reply(Op.SYNC);
    assert.ok(first);
    assert.equal(first.value, 0x20120707);
    r.clock.advance(50);
    assert.equal(r.frames().length, 7, 'the ROM answers SYNC eight times');
  });

  it('hears nothing from a host at the wrong baud rate', () => {
    const r = downloadRig();
    r.port.setBaud(460800);
    r.send(Op.SYNC, SYNC_PAYLOAD);
    assert.equal(r.reply(Op.SYNC, 500), undefined);
  });

  it('switches its UART on CHANGE_BAUDRATE after acknowledging at the old rate; the host must follow', () => {
    const r = downloadRig({ stubImage: () => loadStubImage(chipById('esp32')!) });
    uploadStub(r);
    r.send(Op.CHANGE_BAUDRATE, u32le(921600, 115200));
    const ack = r.reply(Op.CHANGE_BAUDRATE);
    assert.ok(ack, 'acknowledged at 115200');
    assert.equal(r.board.baud, 921600);
    // A host that stays at 115200 hears noise and is heard as noise.
    r.send(Op.SYNC, SYNC_PAYLOAD);
    assert.equal(r.reply(Op.SYNC, 300), undefined);
    r.port.setBaud(921600);
    // The noise may have left the loader's SLIP decoder inside a frame, which swallows the next
    // packet: clients retry SYNC for this reason.
    let answered = false;
    for (let attempt = 0; attempt < 3 && !answered; attempt++) {
      r.send(Op.SYNC, SYNC_PAYLOAD);
      answered = r.reply(Op.SYNC, 200) !== undefined;
    }
    assert.ok(answered, 'answers once the host has followed');
  });

  it('writes an image with the stub, boots it on a hard reset, and the flash file holds exactly those bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vboard-flash-'));
    try {
      const path = join(dir, 'flash.bin');
      const size = 1024 * 1024;
      const r = downloadRig({
        stubImage: () => loadStubImage(chipById('esp32')!),
        flashBytes: size,
        store: fileFlashStore(path),
        bootMode: 'normal',
      });
      // GPIO0 low through the auto-reset circuit (unix-tight), as esptool enters download mode.
      r.port.setSignals({ dtr: false, rts: true });
      r.clock.advance(100);
      r.port.setSignals({ dtr: true, rts: false });
      r.clock.advance(50);
      r.port.setSignals({ dtr: false, rts: false });
      assert.equal(r.board.state, 'download');
      assert.equal(readFileSync(path).length, size, 'the file is the whole flash');
      uploadStub(r);

      const block = new Uint8Array(0x4000).fill(0xff);
      block.set(IMAGE);
      r.send(Op.FLASH_BEGIN, u32le(block.length, 1, 0x4000, 0x1000, 0));
      assert.equal(r.reply(Op.FLASH_BEGIN)?.body[0], 0);
      const { data, checksum } = dataPacket(0, block);
      r.send(Op.FLASH_DATA, data, checksum);
      assert.equal(r.reply(Op.FLASH_DATA)?.body[0], 0);
      r.clock.advance(500);

      const expected = new Uint8Array(size).fill(0xff);
      expected.set(IMAGE, 0x1000);
      assert.deepEqual(new Uint8Array(readFileSync(path)), expected, 'written through before the board is closed');

      r.text();
      r.send(Op.FLASH_END, u32le(0));
      r.reply(Op.FLASH_END);
      r.clock.advance(200);
      // esp-flasher-stub's FLASH_END(0) does not reboot (s_flash_end: "TODO: Implement reboot"): RTS does.
      assert.equal(r.board.state, 'download');
      r.port.setSignals({ dtr: false, rts: true });
      r.clock.advance(100);
      r.port.setSignals({ dtr: false, rts: false });
      r.clock.advance(200);
      assert.equal(r.board.state, 'app');
      assert.match(r.text(), /hello\r\n$/);

      r.board.close();
      assert.deepEqual(new Uint8Array(readFileSync(path)), expected);
      // A new board on the same file starts with that flash.
      const again = new VirtualBoard({ chip: 'esp32', flashBytes: size, store: fileFlashStore(path), clock: new ManualClock() });
      assert.deepEqual(again.flash.read(0x1000, IMAGE.length), IMAGE);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
