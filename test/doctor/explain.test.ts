/**
 * The doctor's advice attached to failures of any verb, per OS and per kind of port, from facts alone
 * (the same pure functions the CLI uses after gathering facts from sysfs, /proc and /etc/group).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpyflashError } from '../../src/errors.js';
import { HOST_CHECKS, explainFailure, runHostChecks, type HostFacts } from '../../src/doctor/index.js';
import { describePort } from '../../src/ports/port-info.js';

const C3 = describePort({ path: '/dev/ttyACM0', vid: '303a', pid: '1001', serialNumber: 'F4:12:FA:4D:F1:7C' });
const CP2102 = describePort({ path: '/dev/ttyUSB0', vid: '10c4', pid: 'ea60' });

function facts(over: Partial<HostFacts> = {}): HostFacts {
  return { os: 'linux', ports: [CP2102], nodes: [], interferers: [], systemGroups: ['root', 'dialout'], ...over };
}

test('permission denied: Arch names uucp, macOS and Windows get their own fix', () => {
  const err = new UpyflashError('PERMISSION_DENIED', 'No permission to open /dev/ttyUSB0', { details: { path: '/dev/ttyUSB0' } });
  const node = { path: '/dev/ttyUSB0', exists: true, accessible: false, mode: 0o20660, group: 'uucp', holders: [] };
  const arch = explainFailure(err, facts({ nodes: [node], systemGroups: ['root', 'uucp'] }));
  assert.equal(arch.code, 'E003');
  assert.match(arch.hint, /sudo usermod -aG uucp \$USER/);
  assert.match(explainFailure(err, facts({ os: 'macos', nodes: [node] })).hint, /\/dev\/cu\./);
  assert.match(explainFailure(err, facts({ os: 'windows', nodes: [node] })).hint, /Close every program/);
  // A root-only node: no group helps, a udev rule does.
  const rootOnly = explainFailure(err, facts({ nodes: [{ ...node, group: 'root', mode: 0o20600 }] }));
  assert.match(rootOnly.hint, /udev rule/);
  assert.match(rootOnly.hint, /GROUP="dialout"/);
});

test('boot-mode and silence on a native-USB port get the native BOOT/RESET procedure; a bridge gets BOOT/EN', () => {
  const wrong = new UpyflashError('WRONG_BOOT_MODE', 'booted normally', { details: { port: '/dev/ttyACM0' } });
  const native = explainFailure(wrong, facts({ ports: [C3] }));
  assert.equal(native.code, 'E011');
  assert.match(native.hint, /hold BOOT, tap RESET/);
  assert.match(native.hint, /new port/);
  const bridged = explainFailure(new UpyflashError('WRONG_BOOT_MODE', 'x', { details: { port: '/dev/ttyUSB0' } }), facts());
  assert.match(bridged.hint, /hold BOOT \(IO0\), tap EN \(RST\), release BOOT/);
  const silent = explainFailure(new UpyflashError('NO_SERIAL_DATA', 'x', { details: { port: '/dev/ttyUSB0' } }), facts());
  assert.equal(silent.code, 'E010');
  assert.match(silent.hint, /Silicon Labs CP210x works but nothing comes from the chip/);
});

test('failures on TCP ports and kinds the doctor cannot improve are left as they were', () => {
  const tcp = new UpyflashError('NO_SERIAL_DATA', 'x', { details: { port: 'rfc2217://127.0.0.1:5555' } });
  assert.equal(explainFailure(tcp, facts()), tcp);
  const verify = new UpyflashError('VERIFY_FAILED');
  assert.equal(explainFailure(verify, facts()), verify);
});

test('no ports: driver advice for this OS when the OS gives no USB view', () => {
  const err = new UpyflashError('NO_PORTS', 'No serial port found');
  const win = explainFailure(err, facts({ os: 'windows', ports: [] }));
  assert.match(win.hint, /CP210x Universal Windows Driver/);
  assert.match(win.hint, /CH341SER/);
  assert.match(win.hint, /charge-only/);
});

test('every host check names the failures it explains and a fix for each finding it raises', () => {
  const worst = facts({
    ports: [C3, CP2102],
    usbDevices: [{ location: '1-4', vid: '1a86', pid: '7523', drivers: [], ttys: [] }],
    nodes: [
      { path: '/dev/ttyACM0', exists: true, accessible: false, mode: 0o20660, group: 'dialout', holders: [{ pid: 7, command: 'screen' }] },
      { path: '/dev/ttyUSB9', exists: false, accessible: false, holders: [] },
    ],
    interferers: [{ pid: 9, command: 'ModemManager' }],
  });
  const findings = runHostChecks(worst);
  for (const check of HOST_CHECKS) assert.ok(check.explains.length > 0, check.id);
  const codes = new Set(findings.filter((f) => f.status !== 'ok').map((f) => f.kind));
  for (const kind of ['NO_PORTS', 'MULTIPLE_PORTS', 'PORT_NOT_FOUND', 'PERMISSION_DENIED', 'PORT_BUSY']) assert.ok(codes.has(kind as never), kind);
  for (const f of findings.filter((x) => x.status === 'warn' || x.status === 'fail')) assert.ok(f.fix && !f.fix.includes('\n'), `${f.check}: one-line fix`);
  assert.match(findings.find((f) => f.check === 'port-free')?.fix ?? '', /screen \(pid 7\)/);
  assert.match(findings.find((f) => f.check === 'unbound-bridge')?.fix ?? '', /modprobe ch341/);
});
