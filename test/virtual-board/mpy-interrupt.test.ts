/**
 * The virtual board's MicroPython behaves like a board's: it runs in a worker, so a loop that never
 * ends leaves the board answering and Ctrl-C raises KeyboardInterrupt in it (friendly and raw REPL);
 * boot.py and main.py run after a reset; machine.Pin drives pins the host sees (board.pins); os/sys
 * name the flashed firmware. Driven over a real RFC 2217 link to a board server.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { chipById } from '../../src/chips/index.js';
import { latin1Bytes, latin1String } from '../../src/platform/bytes.js';
import { ByteReader } from '../../src/repl/byte-reader.js';
import { RawRepl } from '../../src/repl/raw-repl.js';
import type { Transport } from '../../src/transport/transport.js';
import { boardLeds } from '../../src/virtual-board/board-leds.js';
import { appImageWithStrings, hardReset, smallFirmware, startBoardOnTcp, type BoardOnTcp } from './mpy-fixtures.js';

const boards: BoardOnTcp[] = [];
after(async () => {
  for (const b of boards) await b.close();
});

async function bootedBoard(opts: Parameters<typeof startBoardOnTcp>[0]): Promise<{ b: BoardOnTcp; t: Transport; r: ByteReader; boot: string }> {
  const b = await startBoardOnTcp(opts);
  boards.push(b);
  const t = await b.connect();
  const r = new ByteReader(t);
  await hardReset(t, r);
  const boot = latin1String(await r.readUntil('>>> ', 15000, 'the prompt'));
  return { b, t, r, boot };
}

async function send(t: Transport, r: ByteReader, s: string, until: string, ms = 8000): Promise<string> {
  await t.write(latin1Bytes(s));
  return latin1String(await r.readUntil(until, ms, JSON.stringify(until)));
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

test('Ctrl-C interrupts a while True loop with KeyboardInterrupt, in the friendly REPL and in raw REPL exec', async () => {
  const { t, r } = await bootedBoard({ firmware: smallFirmware('esp32') });
  await send(t, r, 'n = 0\r', '>>> ');
  await send(t, r, 'while True: n += 1\r', '... ');
  await t.write(latin1Bytes('\r'));
  await sleep(400);
  const stopped = await send(t, r, '\x03', '>>> ');
  assert.match(stopped, /Traceback \(most recent call last\):\r\n  File "<stdin>", line 1, in <module>\r\nKeyboardInterrupt: \r\n>>> $/);
  // The interpreter kept its state, as a board's does: the loop really ran.
  const count = await send(t, r, 'print(n > 1000)\r', '>>> ');
  assert.match(count, /\r\nTrue\r\n>>> $/);

  await send(t, r, '\x01', 'raw REPL; CTRL-B to exit\r\n>');
  await send(t, r, 'while True:\n  pass\n\x04', 'OK');
  await sleep(300);
  const raw = await send(t, r, '\x03', '\x04>');
  assert.match(raw, /^\x04Traceback \(most recent call last\):\r\n  File "<stdin>", line 2, in <module>\r\nKeyboardInterrupt: \r\n\x04>$/);
  // Still answering in raw mode afterwards.
  assert.equal(await send(t, r, 'print(6*7)\x04', '\x04>'), 'OK42\r\n\x04\x04>');
});

test('code that catches KeyboardInterrupt goes on, and its later sleeps wait their full time', async () => {
  const { t, r } = await bootedBoard({ firmware: smallFirmware('esp32') });
  await send(t, r, '\x01', 'raw REPL; CTRL-B to exit\r\n>');
  const code = 'import time\ntry:\n  while True:\n    time.sleep(10)\nexcept KeyboardInterrupt:\n  print("caught")\nt0 = time.ticks_ms()\ntime.sleep(0.3)\nprint("slept", time.ticks_diff(time.ticks_ms(), t0) >= 290)\n';
  await send(t, r, `${code}\x04`, 'OK');
  await sleep(300);
  const out = await send(t, r, '\x03', '\x04>');
  assert.equal(out, 'caught\r\nslept True\r\n\x04\x04>');
});

test('the blink program drives GPIO 2: the host sees 1,0,1,... at the sleep rate, and Stop (Ctrl-C) ends it', async () => {
  const { b, t, r } = await bootedBoard({ firmware: smallFirmware('esp32') });
  const seen: { pin: number; level: 0 | 1; at: number }[] = [];
  const unsubscribe = b.board.pins.onChange((pin, level) => seen.push({ pin, level, at: Date.now() }));
  assert.equal(b.board.pins.level(2), undefined, 'a pin nobody drives has no level');
  await send(t, r, '\x01', 'raw REPL; CTRL-B to exit\r\n>');
  const blink = 'from machine import Pin\nimport time\nled = Pin(2, Pin.OUT)\nwhile True:\n  led.value(not led.value())\n  time.sleep(0.1)\n';
  await send(t, r, `${blink}\x04`, 'OK');
  await sleep(1100);
  const out = await send(t, r, '\x03', '\x04>');
  assert.match(out, /KeyboardInterrupt/);
  const settled = seen.length;
  await sleep(300);
  assert.equal(seen.length, settled, 'no pin changes after Stop');
  unsubscribe();
  const levels = seen.map((e) => e.level);
  assert.ok(levels.length >= 7 && levels.length <= 14, `Pin() then about 10 toggles in 1.1 s, got ${levels.length}`);
  // Pin(2, Pin.OUT) drives the pin low first (its output latch is 0), then the loop toggles it.
  assert.deepEqual(levels, levels.map((_, i) => (i % 2 === 0 ? 0 : 1)), 'low at Pin(), then 1,0,1,...');
  assert.ok(seen.every((e) => e.pin === 2));
  const gaps = seen.slice(2).map((e, i) => e.at - seen[i + 1]!.at);
  assert.ok(gaps.every((g) => g >= 70), `time.sleep(0.1) really waits: gaps ${gaps.join(',')}`);
  assert.equal(b.board.pins.level(2), seen[seen.length - 1]!.level);
  // A reset releases the pins.
  await hardReset(t, r);
  assert.equal(b.board.pins.level(2), undefined);
});

test('through the repl library: a running program streams its output, and Ctrl-C (Stop) ends exec with KeyboardInterrupt', async () => {
  const b = await startBoardOnTcp({ firmware: smallFirmware('esp32') });
  boards.push(b);
  const t = await b.connect();
  await hardReset(t);
  await sleep(1500);
  const repl = new RawRepl(t);
  await repl.enter();
  const streamed: string[] = [];
  let firstAt = 0;
  const started = Date.now();
  const run = repl.exec('import time\nn = 0\nwhile True:\n    print("tick", n)\n    n += 1\n    time.sleep(0.1)\n', {
    timeoutMs: 10000,
    onStdout: (d) => {
      if (!firstAt) firstAt = Date.now();
      streamed.push(latin1String(d));
    },
  });
  await sleep(700);
  await t.write(Uint8Array.of(0x03));
  const result = await run;
  assert.ok(firstAt > 0 && firstAt - started < 600, 'output arrives while the program runs');
  assert.match(latin1String(result.stdout), /^tick 0\r\ntick 1\r\ntick 2\r\n/);
  assert.match(latin1String(result.stderr), /KeyboardInterrupt: \r\n$/);
  // The board is ready for the next program.
  assert.equal(latin1String(await repl.execOk('print(n > 3)')), 'True\r\n');
  await repl.exit();
});

test('os.uname, sys.implementation and machine name the flashed firmware; network and I2C find nothing', async () => {
  const { t, r } = await bootedBoard({ firmware: smallFirmware('esp32', { version: '1.26.1', buildDate: '2025-09-11' }) });
  const uname = await send(t, r, 'import os; u = os.uname(); print(u.sysname, u.release, u.version, u.machine, sep="|")\r', '>>> ');
  assert.match(uname, /\r\nesp32\|1\.26\.1\|v1\.26\.1 on 2025-09-11\|Generic ESP32 module with ESP32\r\n>>> $/);
  const impl = await send(t, r, 'import sys; print(sys.implementation.version, sys.implementation._machine, sys.platform)\r', '>>> ');
  assert.match(impl, /\r\n\(1, 26, 1, ''\) Generic ESP32 module with ESP32 esp32\r\n>>> $/);
  const hw = await send(
    t,
    r,
    'import machine, network, esp; w = network.WLAN(network.STA_IF); w.active(True); print(machine.SoftI2C(scl=machine.Pin(22), sda=machine.Pin(21)).scan(), w.isconnected(), w.scan(), esp.flash_size(), len(machine.unique_id()))\r',
    '>>> ',
  );
  assert.match(hw, /\r\n\[\] False \[\] 4194304 6\r\n>>> $/);
});

test('boot.py and main.py run after a hard reset and after Ctrl-D, before the prompt', async () => {
  const { t, r } = await bootedBoard({ firmware: smallFirmware('esp32') });
  await send(t, r, "f = open('boot.py', 'w'); f.write('print(\"boot ran\")\\n'); f.close()\r", '>>> ');
  await send(t, r, "f = open('main.py', 'w'); f.write('print(\"main ran\")\\nx = 5\\n'); f.close()\r", '>>> ');
  await hardReset(t, r);
  const boot = latin1String(await r.readUntil('>>> ', 15000, 'the prompt'));
  assert.match(boot, /\r\nboot ran\r\nmain ran\r\nMicroPython v1\.27\.0 on 2025-12-09; Generic ESP32 module with ESP32\r\n/);
  // main.py runs in the REPL's namespace.
  assert.match(await send(t, r, 'print(x)\r', '>>> '), /\r\n5\r\n>>> $/);
  const soft = await send(t, r, '\x04', '>>> ', 15000);
  assert.match(soft, /MPY: soft reboot\r\nboot ran\r\nmain ran\r\nMicroPython v1\.27\.0/);
});

test('a main.py that loops forever can be stopped with Ctrl-C, then the REPL starts', async () => {
  const { t, r } = await bootedBoard({ firmware: smallFirmware('esp32') });
  await send(t, r, "f = open('main.py', 'w'); f.write('import time\\nwhile True:\\n    time.sleep_ms(50)\\n'); f.close()\r", '>>> ');
  await hardReset(t, r);
  await r.readUntil('entry 0x', 15000, 'the ROM boot');
  await sleep(1500);
  await t.write(latin1Bytes('\x03'));
  const text = latin1String(await r.readUntil('>>> ', 8000, 'the prompt'));
  assert.match(text, /File "main\.py", line 3, in <module>\r\nKeyboardInterrupt: \r\nMicroPython v1\.27\.0/);
});

test('an ESP8266 with v1.22.1 (machine string stored with its "; ") prints its banner without an empty field', async () => {
  const chip = chipById('esp8266')!;
  const image = appImageWithStrings(chip, ['MicroPython v1.22.1 on 2024-01-05', '; ESP module with ESP8266']);
  const { boot, t, r } = await bootedBoard({ chip: 'esp8266', firmware: image });
  assert.ok(boot.includes('MicroPython v1.22.1 on 2024-01-05; ESP module with ESP8266\r\n'), boot);
  assert.match(await send(t, r, 'import os; print(os.uname().machine)\r', '>>> '), /\r\nESP module with ESP8266\r\n>>> $/);
});

test('boardLeds: GPIO 2 active-high on ESP32 modules, active-low on ESP8266 modules', () => {
  assert.deepEqual(boardLeds('esp32'), [{ pin: 2, activeLow: false }]);
  assert.deepEqual(boardLeds('ESP8266'), [{ pin: 2, activeLow: true }]);
  assert.deepEqual(boardLeds('esp32c6'), []);
});
