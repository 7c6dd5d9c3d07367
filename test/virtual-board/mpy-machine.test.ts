/**
 * The board as Python sees it: machine.Pin inputs and ADC readings come from what the host puts on
 * the pins (board.pins.setInput/setAnalog), PWM/Timer/NVS keep their settings, machine.reset()
 * restarts the chip through the ROM with what it printed before still on the wire, and deepsleep with
 * a time wakes the board by itself. Over a real RFC 2217 link to a board server.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { latin1Bytes, latin1String } from '../../src/platform/bytes.js';
import { ByteReader } from '../../src/repl/byte-reader.js';
import type { Transport } from '../../src/transport/transport.js';
import { hardReset, smallFirmware, startBoardOnTcp, type BoardOnTcp } from './mpy-fixtures.js';

const boards: BoardOnTcp[] = [];
after(async () => {
  for (const b of boards) await b.close();
});

async function bootedBoard(chip: 'esp32' | 'esp8266' = 'esp32'): Promise<{ b: BoardOnTcp; t: Transport; r: ByteReader }> {
  const b = await startBoardOnTcp({ chip, firmware: smallFirmware(chip) });
  boards.push(b);
  const t = await b.connect();
  const r = new ByteReader(t);
  await hardReset(t, r);
  await r.readUntil('>>> ', 15000, 'the prompt');
  return { b, t, r };
}

async function send(t: Transport, r: ByteReader, s: string, until = '>>> ', ms = 8000): Promise<string> {
  await t.write(latin1Bytes(s));
  return latin1String(await r.readUntil(until, ms, JSON.stringify(until)));
}

test('Pin inputs and ADC readings follow what the host puts on the pins, also while code runs', async () => {
  const { b, t, r } = await bootedBoard();
  await send(t, r, 'from machine import Pin, ADC\r');
  assert.match(await send(t, r, 'print(Pin(0, Pin.IN, Pin.PULL_UP).value(), Pin(4, Pin.IN).value())\r'), /\r\n1 0\r\n>>> $/);
  b.board.pins.setInput(0, 0);
  b.board.pins.setInput(4, 1);
  b.board.pins.setAnalog(34, 2048);
  assert.match(await send(t, r, 'print(Pin(0, Pin.IN, Pin.PULL_UP).value(), Pin(4, Pin.IN).value(), ADC(Pin(34)).read())\r'), /\r\n0 1 2048\r\n>>> $/);
  // A loop waiting for the button sees the press without being interrupted.
  await send(t, r, 'button = Pin(0, Pin.IN, Pin.PULL_UP)\r');
  b.board.pins.setInput(0, undefined);
  await t.write(latin1Bytes('while button.value(): pass\r\r'));
  await new Promise((res) => setTimeout(res, 300));
  b.board.pins.setInput(0, 0);
  const out = await send(t, r, 'print("pressed")\r', 'pressed\r\n>>> ');
  assert.doesNotMatch(out, /KeyboardInterrupt/);
});

test('PWM, Timer and esp32.NVS keep what they are given; machine facts match the board', async () => {
  const { b, t, r } = await bootedBoard();
  const pwm = await send(t, r, 'from machine import Pin, PWM; p = PWM(Pin(2), freq=1000, duty=256); p.freq(2000); print(p.freq(), p.duty())\r');
  assert.match(pwm, /\r\n2000 256\r\n>>> $/);
  const mac = [...b.board.identity.mac].map((x) => x.toString(16).padStart(2, '0')).join('');
  assert.match(await send(t, r, 'import machine, binascii; print(binascii.hexlify(machine.unique_id()).decode(), machine.freq())\r'), new RegExp(`\\r\\n${mac} 160000000\\r\\n>>> $`));
  const timer = await send(t, r, 'import time; ticks = []; tm = machine.Timer(0); tm.init(period=50, mode=machine.Timer.PERIODIC, callback=lambda t: ticks.append(1)); time.sleep_ms(320); tm.deinit(); print(5 <= len(ticks) <= 7)\r');
  assert.match(timer, /\r\nTrue\r\n>>> $/);
  const nvs = await send(t, r, 'import esp32; n = esp32.NVS("app"); n.set_i32("boots", 7); n.commit(); print(esp32.NVS("app").get_i32("boots"), type(esp32.raw_temperature()))\r');
  assert.match(nvs, /\r\n7 <class 'int'>\r\n>>> $/);
});

test('machine.reset() restarts through the ROM after what it printed; deepsleep(ms) wakes the board by itself', async () => {
  const { t, r } = await bootedBoard();
  const reset = await send(t, r, 'import machine; print("bye"); machine.reset()\r', '>>> ', 15000);
  assert.match(reset, /\r\nbye\r\nets Jun {2}8 2016 00:22:57\r\n[\s\S]*entry 0x[0-9a-f]{8}\r\nMicroPython v1\.27\.0/);
  assert.match(await send(t, r, 'import machine; print(machine.reset_cause() == machine.SOFT_RESET)\r'), /\r\nTrue\r\n>>> $/);
  const slept = Date.now();
  const wake = await send(t, r, 'import machine; machine.deepsleep(500)\r', '>>> ', 15000);
  assert.ok(Date.now() - slept >= 500, `the chip slept before booting again: ${JSON.stringify(wake)}`);
  assert.match(wake, /ets Jun {2}8 2016[\s\S]*MicroPython v1\.27\.0/);
  assert.match(await send(t, r, 'import machine; print(machine.reset_cause() == machine.DEEPSLEEP_RESET)\r'), /\r\nTrue\r\n>>> $/);
});

test('an ESP8266 names itself esp8266 and has no esp32 module', async () => {
  const { t, r } = await bootedBoard('esp8266');
  const out = await send(t, r, 'import os, sys; print(os.uname().sysname, sys.platform)\r');
  assert.match(out, /\r\nesp8266 esp8266\r\n>>> $/);
  assert.match(await send(t, r, 'import esp32\r'), /ImportError: no module named 'esp32'/);
});
