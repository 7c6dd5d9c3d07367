/**
 * The two decisions behind --baud and --baud auto, as pure functions: which rate a change goes for
 * (the chip's UART ceiling, a step-down that sticks), and what auto's one line says and remembers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESP32, ESP32C3, ESP8266, ROM_UART_MAX_BAUD, uartMaxBaud } from '../../src/chips/index.js';
import { autoBaudFor, autoBaudReport } from '../../src/flasher/auto-baud.js';
import { chooseTarget, fitUnder } from '../../src/flasher/baud.js';

test('UART ceilings: 2.5 Mbaud through any ROM; 5 Mbaud once the ESP32 stub raised the clock; the C3 stub keeps the ROM\'s', () => {
  assert.equal(uartMaxBaud(ESP32, false), ROM_UART_MAX_BAUD);
  assert.equal(uartMaxBaud(ESP32, true), 5_000_000);
  assert.equal(uartMaxBaud(ESP32C3, true), ROM_UART_MAX_BAUD);
  assert.equal(uartMaxBaud(ESP8266, true), ROM_UART_MAX_BAUD);
});

test('a rate beyond the ceiling becomes the fastest fallback under it; one within stays as asked', () => {
  assert.equal(fitUnder(4_000_000, 2_500_000), 2_000_000);
  assert.equal(fitUnder(3_000_000, 5_000_000), 3_000_000);
  assert.equal(fitUnder(1_000_000, 2_500_000), 1_000_000, 'an odd rate the user asked for is not rounded');
  assert.deepEqual(chooseTarget(4_000_000, 2_500_000, undefined, undefined), { target: 2_000_000, steppedDown: false });
  // The ROM went for 2 Mbaud and ended at 1.5: the stub is not asked for 4 Mbaud on this link.
  assert.deepEqual(chooseTarget(4_000_000, 5_000_000, 1_500_000, 2_000_000), { target: 1_500_000, steppedDown: true });
  // The ROM's change held: the stub goes for the rest.
  assert.deepEqual(chooseTarget(4_000_000, 5_000_000, 2_000_000, 2_000_000), { target: 4_000_000, steppedDown: false });
});

test("auto's line: the bridge's best, a chip's ceiling (not remembered), a step-down (remembered), last time's rate", () => {
  const ch343 = autoBaudFor('ch343');
  assert.deepEqual(autoBaudReport(ch343, { rate: 4_000_000, target: 4_000_000, first: 4_000_000, chipName: 'ESP32' }), {
    line: '--baud auto: 4000000 baud (the fastest CH343 is known to carry)',
    remember: true,
  });
  assert.deepEqual(autoBaudReport(ch343, { rate: 2_000_000, target: 2_000_000, first: 4_000_000, chipName: 'ESP32-C3' }), {
    line: "--baud auto: 2000000 baud (the fastest the ESP32-C3's UART runs in download mode; CH343 carries 4000000)",
    remember: false,
  });
  assert.deepEqual(autoBaudReport(ch343, { rate: 1_500_000, target: 2_000_000, first: 4_000_000, chipName: 'ESP32-C3' }), {
    line: '--baud auto: 1500000 baud (2000000 did not hold on CH343, stepped down)',
    remember: true,
  });
  assert.equal(autoBaudReport(ch343, { rate: 3_000_000, target: 3_000_000, first: 3_000_000, chipName: 'ESP32' }).line, '--baud auto: 3000000 baud (what worked on CH343 last time)');
  const unknown = autoBaudFor(undefined);
  assert.deepEqual(autoBaudReport(unknown, { rate: 921_600, target: 921_600, first: 921_600, chipName: 'ESP32' }), {
    line: '--baud auto: 921600 baud (the default for an unknown USB bridge)',
    remember: false,
  });
});
