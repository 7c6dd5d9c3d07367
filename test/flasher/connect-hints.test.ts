/**
 * The advice of a failed connect fits what was done: a board that was not reset (--before no-reset,
 * or a port without control lines) is not told to run again with --before no-reset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_RESET_BOOT_HINT, diagnose } from '../../src/flasher/connect.js';
import { explainFailure } from '../../src/doctor/explain.js';
import { describePort } from '../../src/ports/port-info.js';
import type { Transport } from '../../src/transport/transport.js';

const port = { name: '/dev/ttyUSB0' } as Transport;
const NORMAL_BOOT = 'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n';

test('E011 after our own reset: hold BOOT, then --before no-reset', () => {
  const e = diagnose(port, NORMAL_BOOT, NORMAL_BOOT.length, true, 7);
  assert.equal(e.code, 'E011');
  assert.match(e.hint, /--before no-reset/);
});

test('E011 with no reset done: press EN while holding BOOT, check the BOOT button and GPIO0 wiring; no --before no-reset advice', () => {
  const e = diagnose(port, NORMAL_BOOT, NORMAL_BOOT.length, false, 1);
  assert.equal(e.code, 'E011');
  assert.equal(e.hint, NO_RESET_BOOT_HINT);
  assert.match(e.hint, /hold BOOT \(IO0\) down while you press and release EN \(RST\)/);
  assert.match(e.hint, /BOOT button and the GPIO0 wiring/);
  assert.doesNotMatch(e.hint, /--before no-reset/);
  assert.match(e.message, /nothing reset it/);
});

test("the doctor's port-specific advice does not replace the no-reset hint with --before no-reset", () => {
  const e = diagnose(port, NORMAL_BOOT, NORMAL_BOOT.length, false, 1);
  const cp2102 = describePort({ path: '/dev/ttyUSB0', vid: '10c4', pid: 'ea60' });
  const explained = explainFailure(e, { os: 'linux', ports: [cp2102], nodes: [], interferers: [], systemGroups: ['dialout'] });
  assert.equal(explained.hint, NO_RESET_BOOT_HINT);
  // After our own reset the doctor still gives the bridge's advice.
  const reset = explainFailure(diagnose(port, NORMAL_BOOT, NORMAL_BOOT.length, true, 7), { os: 'linux', ports: [cp2102], nodes: [], interferers: [], systemGroups: ['dialout'] });
  assert.match(reset.hint, /hold BOOT \(IO0\), tap EN \(RST\), release BOOT/);
});
