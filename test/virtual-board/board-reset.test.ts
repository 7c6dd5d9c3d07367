import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControlLines } from '../../src/transport/transport.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../src/virtual-board/board.js';
import type { BoardEndpoint } from '../../src/transport/endpoint.js';
import { ManualClock } from '../../src/virtual-board/manual-clock.js';

/** A host on the board's UART that records what it receives, driven through modeled time. */
function rig(opts: Omit<VirtualBoardOptions, 'clock'>) {
  const clock = new ManualClock();
  const board = new VirtualBoard({ ...opts, clock });
  const port = board.connect();
  let received: number[] = [];
  port.onData((d) => received.push(...d));
  const lines: ControlLines = { dtr: false, rts: false };
  return {
    clock,
    board,
    port,
    /** pyserial-style: one line per call, as esptool's ClassicReset does it. */
    setDTR(v: boolean) {
      lines.dtr = v;
      port.setSignals({ ...lines });
    },
    setRTS(v: boolean) {
      lines.rts = v;
      port.setSignals({ ...lines });
    },
    /** Both lines in one call, as esptool's UnixTightReset does it. */
    setBoth(dtr: boolean, rts: boolean) {
      lines.dtr = dtr;
      lines.rts = rts;
      port.setSignals({ ...lines });
    },
    wait(seconds: number) {
      clock.advance(seconds * 1000);
    },
    take(): string {
      const s = String.fromCharCode(...received);
      received = [];
      return s;
    },
  };
}

function classicReset(r: ReturnType<typeof rig>, delay = 0.05): void {
  r.setDTR(false);
  r.setRTS(true);
  r.wait(0.1);
  r.setDTR(true);
  r.setRTS(false);
  r.wait(delay);
  r.setDTR(false);
}

function unixTightReset(r: ReturnType<typeof rig>, delay = 0.05): void {
  r.setBoth(false, false);
  r.setBoth(true, true);
  r.setBoth(false, true);
  r.wait(0.1);
  r.setBoth(true, false);
  r.wait(delay);
  r.setBoth(false, false);
}

function hardReset(r: ReturnType<typeof rig>): void {
  r.setRTS(true);
  r.wait(0.1);
  r.setRTS(false);
}

const ESP32_BANNER = 'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),';
const ESP32_DOWNLOAD = 'boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n';

describe('virtual board: auto-reset circuit and boot mode', () => {
  it('powers on into a normal boot and complains about the erased flash, as the ESP32 ROM does', () => {
    const r = rig({ chip: 'esp32' });
    r.wait(0.05);
    const text = r.take();
    assert.ok(
      text.startsWith(ESP32_BANNER + 'boot:0x13 (SPI_FAST_FLASH_BOOT)\r\ninvalid header: 0xffffffff\r\n'),
      JSON.stringify(text),
    );
    assert.equal(r.board.state, 'halted');
  });

  it('keeps complaining about an erased flash until the RTC watchdog resets it, then starts over', () => {
    const r = rig({ chip: 'esp32' });
    r.wait(3);
    const text = r.take();
    const cycles = text.split('ets Jun  8 2016 00:22:57\r\n\r\n').slice(1);
    assert.ok(cycles.length >= 2, text);
    assert.equal(cycles[0], 'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n' + 'invalid header: 0xffffffff\r\n'.repeat(8));
    assert.equal(cycles[1], 'rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n' + 'invalid header: 0xffffffff\r\n'.repeat(8));
    // Holding GPIO0 low (DTR alone) makes the next watchdog reset latch download mode.
    r.setBoth(true, false);
    r.wait(1.5);
    assert.match(r.take(), /rst:0x10 \(RTCWDT_RTC_RESET\),boot:0x3 \(DOWNLOAD_BOOT\(UART0\/UART1\/SDIO_REI_REO_V2\)\)\r\nwaiting for download\r\n$/);
    assert.equal(r.board.state, 'download');
  });

  it('enters download mode with the classic sequence (lines set one at a time)', () => {
    const r = rig({ chip: 'esp32' });
    r.wait(0.5);
    r.take();
    classicReset(r);
    r.wait(0.05);
    assert.equal(r.take(), ESP32_BANNER + ESP32_DOWNLOAD);
    assert.equal(r.board.state, 'download');
  });

  it('enters download mode with the unix-tight sequence (both lines per call)', () => {
    const r = rig({ chip: 'esp32' });
    r.wait(0.5);
    r.take();
    unixTightReset(r);
    r.wait(0.05);
    assert.equal(r.take(), ESP32_BANNER + ESP32_DOWNLOAD);
    assert.equal(r.board.state, 'download');
  });

  it('does not reset when a terminal asserts both lines on open and releases them on close', () => {
    const r = rig({ chip: 'esp32' });
    classicReset(r);
    r.wait(0.05);
    r.take();
    const states: string[] = [];
    r.board.on('state', (s) => states.push(s));
    r.setBoth(true, true);
    r.wait(0.5);
    r.setBoth(false, false);
    r.wait(0.5);
    assert.equal(r.take(), '');
    assert.deepEqual(states, []);
    assert.equal(r.board.state, 'download');
  });

  it('stays in download mode without a reset (esptool --before no-reset)', () => {
    const r = rig({ chip: 'esp32', bootMode: 'download' });
    r.wait(0.1);
    assert.equal(r.take(), ESP32_BANNER + ESP32_DOWNLOAD);
    r.wait(1);
    assert.equal(r.take(), '');
    assert.equal(r.board.state, 'download');
  });

  it('reboots normally on a hard reset (RTS pulse with DTR released)', () => {
    const r = rig({ chip: 'esp32' });
    classicReset(r);
    r.wait(0.05);
    r.take();
    hardReset(r);
    r.wait(0.05);
    assert.ok(r.take().startsWith(ESP32_BANNER + 'boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n'));
    assert.notEqual(r.board.state, 'download');
  });

  it('misses download mode on a board with a slow EN RC unless GPIO0 is held long enough (esptool retries with 0.55 s)', () => {
    const r = rig({ chip: 'esp32', resetDelayMs: 200 });
    r.wait(0.5);
    r.take();
    classicReset(r, 0.05);
    r.wait(0.3);
    assert.match(r.take(), /boot:0x13 \(SPI_FAST_FLASH_BOOT\)/);
    assert.equal(r.board.state, 'halted');
    classicReset(r, 0.55);
    r.wait(0.05);
    assert.match(r.take(), /waiting for download/);
    assert.equal(r.board.state, 'download');
  });

  it('holds the chip in reset while RTS alone is asserted', () => {
    const r = rig({ chip: 'esp32' });
    r.wait(0.5);
    r.take();
    r.setBoth(false, true);
    r.wait(2);
    assert.equal(r.board.state, 'reset');
    assert.equal(r.take(), '');
  });

  it("ignores DTR/RTS when the auto-reset circuit isn't wired", () => {
    const r = rig({ chip: 'esp32', behaviour: 'ignore-reset' });
    r.wait(0.1);
    assert.match(r.take(), /boot:0x13/);
    classicReset(r);
    unixTightReset(r);
    r.wait(0.5);
    const after = r.take();
    assert.ok(!after.includes('waiting for download'), 'no download boot');
    assert.ok(!after.includes('POWERON'), 'no reset');
    assert.notEqual(r.board.state, 'download');
  });

  it('a silent board prints nothing and answers nothing', () => {
    const r = rig({ chip: 'esp32', behaviour: 'silent' });
    classicReset(r);
    r.wait(0.1);
    r.port.write(Uint8Array.of(0xc0, 0x00, 0x08, 0x24, 0, 0, 0, 0, 0, 0xc0));
    r.wait(1);
    assert.equal(r.take(), '');
  });

  it('a board with a broken RX prints its download banner but never answers a SYNC', () => {
    const r = rig({ chip: 'esp32', behaviour: 'no-sync' });
    classicReset(r);
    r.wait(0.1);
    assert.match(r.take(), /waiting for download/);
    const sync = Uint8Array.of(0xc0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55), 0xc0);
    r.port.write(sync);
    r.wait(1);
    assert.equal(r.take(), '');
    assert.equal(r.board.state, 'download');
  });

  it('prints the ESP32-C3 ROM banner with its own boot mode names', () => {
    const r = rig({ chip: 'esp32c3' });
    r.wait(0.1);
    assert.ok(r.take().startsWith('ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n'));
    classicReset(r);
    r.wait(0.05);
    assert.equal(
      r.take(),
      'ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\nrst:0x1 (POWERON),boot:0x5 (DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n',
    );
  });

  it('prints the ESP8266 ROM text at 74880 baud: noise to a host at 115200, readable at 74880', () => {
    const at115200 = rig({ chip: 'esp8266', bootMode: 'download' });
    at115200.wait(0.1);
    const noise = at115200.take();
    assert.ok(noise.length > 0, 'something arrives');
    assert.ok(!noise.includes('ets Jan'), 'but not the text');

    const clock = new ManualClock();
    const board = new VirtualBoard({ chip: 'esp8266', bootMode: 'download', clock, resetDelayMs: 10 });
    const port: BoardEndpoint = board.connect();
    port.setBaud(74880);
    let got: number[] = [];
    port.onData((d) => got.push(...d));
    clock.advance(100);
    assert.equal(String.fromCharCode(...got), '\r\n ets Jan  8 2013,rst cause:1, boot mode:(1,6)\r\n\r\n');
    got = [];
    port.setSignals({ dtr: false, rts: true });
    clock.advance(100);
    port.setSignals({ dtr: false, rts: false });
    clock.advance(100);
    assert.equal(String.fromCharCode(...got), '\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,6)\r\n\r\n');
    assert.equal(board.baud, 115200, 'the ROM loader listens at 115200');
  });

  it('reports its states', () => {
    const r = rig({ chip: 'esp32' });
    const states: string[] = [];
    r.board.on('state', (s) => states.push(s));
    r.wait(0.1);
    classicReset(r);
    r.wait(0.1);
    assert.deepEqual(states, ['halted', 'reset', 'download']);
    r.board.close();
    assert.deepEqual(states, ['halted', 'reset', 'download', 'halted']);
  });
});
