/**
 * The last line of `doctor`: it names warnings, and a run that reached no board does not say that
 * nothing is wrong.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { summarize } from '../../src/doctor/checks.js';
import type { Finding } from '../../src/doctor/types.js';
import { runCli } from '../../harness/cli-run.js';
import { FakeHost, jsonOf } from '../../harness/doctor-fake-host.js';

const hosts: FakeHost[] = [];
after(async () => {
  for (const h of hosts) await h.dispose();
});

const ok = (check: string): Finding => ({ check, status: 'ok', message: 'fine' });

test('summarize: problems, warnings, and whether a board was seen', () => {
  assert.equal(summarize([ok('usb-serial'), ok('board')]), 'No problems found.');
  assert.equal(summarize([ok('usb-serial'), { check: 'board', status: 'skip', message: 'Not talking to the board (--no-probe)' }]), 'No problems found on this computer, but no board was checked.');
  const noEsp: Finding = { check: 'esp-port', status: 'warn', kind: 'NO_PORTS', message: 'None of the 1 serial port(s) has a USB bridge used on ESP boards' };
  assert.equal(summarize([ok('usb-serial'), noEsp, { check: 'board', status: 'skip', message: 'No ESP board port' }]), 'No failures, but 1 warning(s) to look at: E001; no board was checked.');
  assert.equal(summarize([noEsp, ok('board')]), 'No failures, but 1 warning(s) to look at: E001.');
  assert.equal(summarize([noEsp, { check: 'board', status: 'fail', kind: 'NO_SERIAL_DATA', message: 'x' }]), '1 problem(s): E010');
});

test('doctor with a serial port that is not an ESP board: the summary does not claim "No problems found"', async () => {
  const h = await FakeHost.create();
  hosts.push(h);
  await h.plug({ location: '1-2', vid: '2341', pid: '0043', product: 'Arduino Uno', driver: 'cdc_acm', tty: 'ttyACM0' });
  const text = await runCli(['doctor'], { env: h.env() });
  assert.equal(text.code, 0, text.stdout + text.stderr);
  assert.match(text.stdout, /WARN  E001 esp-port: /);
  const last = text.stdout.trimEnd().split('\n').at(-1);
  assert.equal(last, 'No failures, but 1 warning(s) to look at: E001; no board was checked.');
  assert.doesNotMatch(text.stdout, /No problems found/);
  const json = jsonOf(await runCli(['doctor', '--json'], { env: h.env() }));
  assert.equal(json.result?.checks.find((c) => c.check === 'esp-port')?.status, 'warn');
});
