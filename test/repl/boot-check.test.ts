/**
 * The boot check after a real flash job against the virtual board on TCP: it reports the version in
 * the image, and when no banner comes it says why (no image at the flash start, download mode, silence).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { chipById } from '../../src/chips/index.js';
import { isUpyflashError } from '../../src/errors.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { connect } from '../../src/flasher/session.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { Reporter, type ProgressEvent } from '../../src/progress.js';
import { bootCheck, diagnoseNoBanner } from '../../src/repl/boot-check.js';
import { Rfc2217Transport } from '../../src/transport/node/rfc2217.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { micropythonApp } from '../../src/virtual-board/micropython/index.js';
import { startVirtualBoardServer } from '../../src/virtual-board/node/server.js';
import { hardReset, smallFirmware, startBoardOnTcp, type BoardOnTcp } from '../virtual-board/mpy-fixtures.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function boardOnTcp(opts: Parameters<typeof startBoardOnTcp>[0]): Promise<BoardOnTcp> {
  const b = await startBoardOnTcp(opts);
  closers.push(() => b.close());
  return b;
}

test('flash, reset, boot check: reports the MicroPython version and board from the flashed image', async () => {
  const b = await boardOnTcp({});
  const chip = chipById('esp32')!;
  const firmware = smallFirmware('esp32', { version: '1.26.1', buildDate: '2025-09-11' });
  const session = await connect(
    await b.connect(),
    { stubProvider: esptoolJsStub, deflate: nodeDeflate(9), after: 'hard-reset' },
    new Reporter(),
  );
  await session.flash({ image: firmware, address: chip.bootloaderOffset, eraseAll: true });
  await session.close();

  const events: ProgressEvent[] = [];
  const t = await b.connect();
  const info = await bootCheck(t, { timeoutMs: 8000 }, new Reporter({ emit: (e) => events.push(e) }));
  assert.deepEqual(info, {
    version: '1.26.1',
    buildDate: '2025-09-11',
    boardName: 'Generic ESP32 module',
    mcuName: 'ESP32',
    banner: 'MicroPython v1.26.1 on 2025-09-11; Generic ESP32 module with ESP32',
  });
  assert.ok(events.some((e) => e.type === 'log' && e.message === 'MicroPython v1.26.1 (2025-09-11) is running on Generic ESP32 module with ESP32'));
});

test('a board that already booted before we listened still shows its banner (Ctrl-C, Ctrl-B)', async () => {
  const b = await boardOnTcp({ firmware: smallFirmware('esp32') });
  const t = await b.connect();
  const info = await bootCheck(t, { timeoutMs: 4000 }, new Reporter());
  assert.equal(info.version, '1.27.0');
});

test('no banner: an image at the wrong offset is diagnosed as no valid image in flash', async () => {
  const b = await boardOnTcp({});
  // The .bin written at 0x0 instead of 0x1000: the ROM finds no bootloader where it looks.
  const fw = smallFirmware('esp32');
  b.board.flash.eraseAll();
  b.board.flash.program(0, fw);
  b.board.flash.flush();
  const t = await b.connect();
  await hardReset(t);
  await assert.rejects(bootCheck(t, { timeoutMs: 2500 }, new Reporter()), (e: unknown) => {
    assert.ok(isUpyflashError(e, 'NO_BANNER'));
    assert.equal(e.code, 'E060');
    assert.match(e.message, /no valid image in flash/);
    assert.match(e.hint, /offset .*0x1000.*--flash-mode dio/);
    assert.match(String(e.details.received), /invalid header: 0x[0-9a-f]{8}/);
    return true;
  });
});

test('no banner: a board held in download mode, and a silent board, get their own diagnoses', async () => {
  const chip = chipById('esp32')!;
  for (const [opts, expected] of [
    [{ bootMode: 'download' as const }, /download mode/],
    [{ behaviour: 'silent' as const }, /printed nothing/],
  ] as const) {
    const board = new VirtualBoard({ chip: 'esp32', app: micropythonApp(), linkModel: false, flashTiming: false, stubImage: loadStubImage(chip), ...opts });
    const server = await startVirtualBoardServer({ board });
    closers.push(async () => {
      await server.close();
      board.close();
    });
    const t = new Rfc2217Transport('test', { host: '127.0.0.1', port: server.port }, 115200);
    await t.open();
    closers.push(() => t.close());
    await hardReset(t);
    await assert.rejects(bootCheck(t, { timeoutMs: 1500 }, new Reporter()), (e: unknown) => {
      assert.ok(isUpyflashError(e, 'NO_BANNER'));
      assert.match(e.message, expected);
      return true;
    });
  }
});

test('diagnosis of other boot output: crash loop, foreign firmware, wrong baud', () => {
  assert.match(diagnoseNoBanner('rst:0x10 (RTCWDT_RTC_RESET)\r\n...Guru Meditation Error\r\nrst:0x10').message, /crashes/);
  assert.match(diagnoseNoBanner('entry 0x400805ac\r\nHello from my Arduino sketch\r\n').message, /not MicroPython/);
  assert.match(diagnoseNoBanner('\x80\x91\xfe\xf0\x13\x99\xaa\xbb\x00\xde').hint, /115200/);
});
