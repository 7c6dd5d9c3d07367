/**
 * `upyflash doctor` and the hints of other verbs against fake Linux hosts (sysfs, /dev, /proc,
 * /etc/group trees; no udevadm): each failure prints its code and one-line fix, and --json carries
 * the same.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, chown } from 'node:fs/promises';
import { runCli } from '../../harness/cli-run.js';
import { FAKE_LINUX_HOST_SKIP, FakeHost, jsonOf, type DoctorCheckResult } from '../../harness/doctor-fake-host.js';

const hosts: FakeHost[] = [];
async function host(): Promise<FakeHost> {
  const h = await FakeHost.create();
  hosts.push(h);
  return h;
}
after(async () => {
  for (const h of hosts) await h.dispose();
});

const CP2102 = { location: '1-2', vid: '10c4', pid: 'ea60', product: 'CP2102 USB to UART Bridge Controller', serial: '0001', driver: 'cp210x', tty: 'ttyUSB0' };
const C3_JTAG = { location: '1-3', vid: '303a', pid: '1001', product: 'USB JTAG/serial debug unit', serial: 'F4:12:FA:4D:F1:7C', driver: 'cdc_acm', tty: 'ttyACM0' };
const KEYBOARD = { location: '1-1', vid: '046d', pid: 'c31c', product: 'USB Keyboard', driver: 'usbhid' };

/** Runs doctor in text and JSON form and returns both, with the failing (or warning) check of `code`. */
async function doctorBoth(h: FakeHost, args: string[], code: string, opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}) {
  const env = opts.env ?? h.env();
  const text = await runCli(['doctor', '--no-probe', ...args], { ...opts, env });
  const json = await runCli(['doctor', '--no-probe', '--json', ...args], { ...opts, env });
  const doc = jsonOf(json);
  const check = doc.result?.checks.find((c) => c.code === code);
  assert.ok(check, `no check with ${code} in ${json.stdout}\n${json.stderr}`);
  assert.ok(check.fix, 'a fix');
  // The text form prints the same code and the same fix.
  assert.match(text.stdout, new RegExp(`${code} ${check.check}: `));
  assert.ok(text.stdout.includes(`fix: ${check.fix}`), text.stdout);
  return { text, json, doc, check: check as DoctorCheckResult & { fix: string } };
}

test('no USB serial device at all: E001 explains the charge-only cable', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await host();
  await h.plug(KEYBOARD);
  const { text, json, doc, check } = await doctorBoth(h, [], 'E001');
  assert.equal(check.status, 'fail');
  assert.match(check.fix, /charge-only/);
  assert.equal(text.code, 3);
  assert.equal(json.code, 3);
  assert.equal(doc.ok, false);
  assert.deepEqual(doc.result?.ports, []);
  assert.equal(doc.result?.problems[0]?.code, 'E001');
});

test('a CP2102 without a driver: E001 names the bridge and the modprobe command', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await host();
  await h.plug({ ...CP2102, driver: undefined, tty: undefined } as never);
  const { check } = await doctorBoth(h, [], 'E001');
  assert.match(check.fix, /CP210x/);
  assert.match(check.fix, /10c4:ea60/);
  assert.match(check.fix, /sudo modprobe cp210x/);
});

test('a CH340 taken by brltty: E001 says to remove brltty', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await host();
  await h.plug({ location: '1-4', vid: '1a86', pid: '7523', product: 'USB Serial', driver: 'usbfs' });
  await h.process(812, 'brltty');
  const { check } = await doctorBoth(h, [], 'E001');
  assert.match(check.fix, /apt remove brltty/);
});

test('one board, port usable: no problems, exit 0, the port is named', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await host();
  await h.plug(CP2102);
  const run = await runCli(['doctor', '--no-probe', '--json'], { env: h.env() });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const doc = jsonOf(run);
  assert.equal(doc.ok, true);
  assert.deepEqual(doc.result?.problems, []);
  const esp = doc.result?.checks.find((c) => c.check === 'esp-port');
  assert.equal(esp?.status, 'ok');
  assert.match(esp?.message ?? '', /ttyUSB0.*CP210x/);
});

test('two boards: E005 warning, asks for --port', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await host();
  await h.plug(CP2102);
  await h.plug(C3_JTAG);
  const { check, text } = await doctorBoth(h, [], 'E005');
  assert.equal(check.status, 'warn');
  assert.match(check.fix, /--port/);
  assert.equal(text.code, 0);
});

test('a missing device path: E002 names the ports that exist, in doctor and in detect', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await host();
  await h.plug(C3_JTAG);
  const missing = h.dev('ttyUSB7');
  const { check } = await doctorBoth(h, ['--port', missing], 'E002');
  assert.equal(check.status, 'fail');
  assert.ok(check.fix.includes(h.dev('ttyACM0')), check.fix);

  const text = await runCli(['detect', '--port', missing], { env: h.env() });
  assert.match(text.stderr, /^error E002: /m);
  assert.ok(text.stderr.includes(`is not there now; the board is on ${h.dev('ttyACM0')}`), text.stderr);
  const json = jsonOf(await runCli(['detect', '--json', '--port', missing], { env: h.env() }));
  assert.equal(json.error?.code, 'E002');
  assert.ok(json.error?.hint.includes(h.dev('ttyACM0')));
});

test('permission denied: E003 names the group and the usermod command, in doctor and in detect', { skip: FAKE_LINUX_HOST_SKIP }, async (t) => {
  const h = await host();
  await h.plug(CP2102, { mode: 0o660 });
  const node = h.dev('ttyUSB0');
  // Root may open anything: run the CLI as "nobody" against a root:dialout node for a real EACCES.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chown(node, 0, 20);
  else await chmod(node, 0o060); // the owner (us) gets no rights, whatever our groups
  const ids = asRoot ? { uid: 65534, gid: 65534 } : {};
  const group = asRoot ? 'dialout' : undefined;
  const { check } = await doctorBoth(h, ['--port', node], 'E003', ids);
  assert.equal(check.status, 'fail');
  assert.match(check.fix, /sudo usermod -aG \S+ \$USER/);
  if (group) assert.match(check.fix, /usermod -aG dialout/);
  assert.match(check.fix, /log out and back in/);

  const text = await runCli(['detect', '--port', node], { env: h.env(), ...ids });
  if (/E099|serialport/.test(text.stderr) && !/E003/.test(text.stderr)) t.skip('serial binding unavailable for this user');
  assert.equal(text.code, 3);
  assert.match(text.stderr, /^error E003: /m);
  assert.match(text.stderr, /^hint: .*sudo usermod -aG \S+ \$USER/m);
  const json = jsonOf(await runCli(['detect', '--json', '--port', node], { env: h.env(), ...ids }));
  assert.equal(json.error?.code, 'E003');
  assert.match(json.error?.hint ?? '', /usermod -aG/);
});

test('already in the group but not in this session: E003 says to log in again', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  if (process.getuid?.() !== 0) return; // needs to run as another user with a known name
  const h = await host();
  await h.plug(CP2102, { mode: 0o660 });
  await chown(h.dev('ttyUSB0'), 0, 20);
  await h.groups({ root: 0, dialout: 20, nogroup: 65534 }, { dialout: ['nobody'] });
  const { check } = await doctorBoth(h, ['--port', h.dev('ttyUSB0')], 'E003', { uid: 65534, gid: 65534 });
  assert.match(check.fix, /You are in the group "dialout" but this login session started before that/);
  assert.match(check.fix, /newgrp dialout/);
});

test('a port held by ModemManager: E004 names it and how to stop it', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await host();
  await h.plug(C3_JTAG);
  await h.process(4242, 'ModemManager', [h.dev('ttyACM0')]);
  const { check } = await doctorBoth(h, [], 'E004');
  assert.equal(check.status, 'fail');
  assert.match(check.fix, /ModemManager \(pid 4242\)/);
  assert.match(check.fix, /systemctl stop ModemManager/);
});

test('a port held by a real process: E004 names the program and its pid (real /proc scan)', { skip: FAKE_LINUX_HOST_SKIP }, async (t) => {
  if (process.platform !== 'linux' || spawnSync('flock', ['--version']).status !== 0) return t.skip('needs Linux and flock(1)');
  const h = await host();
  await h.plug(CP2102);
  const node = h.dev('ttyUSB0');
  const holder = spawn('flock', [node, 'sleep', '30'], { stdio: 'ignore' });
  try {
    // Wait until the holder really has the node open.
    const env = { ...h.env() };
    delete env['UPYFLASH_TEST_PROC_ROOT'];
    let check: DoctorCheckResult | undefined;
    for (let i = 0; i < 50 && !check; i++) {
      const doc = jsonOf(await runCli(['doctor', '--no-probe', '--json', '--port', node], { env }));
      check = doc.result?.checks.find((c) => c.code === 'E004');
    }
    assert.ok(check, 'E004 found');
    assert.match(check.message, /(flock|sleep) \(pid \d+\)/);
    assert.match(check.fix ?? '', /kill \d+/);

    const text = await runCli(['detect', '--port', node], { env });
    assert.match(text.stderr, /^error E004: /m);
    assert.match(text.stderr, /^hint: .*(flock|sleep) \(pid \d+\)/m);
  } finally {
    holder.kill();
  }
});
