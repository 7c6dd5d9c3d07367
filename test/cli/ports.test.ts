/**
 * `upyflash ports` and the automatic port choice of the board verbs, on fake Linux hosts (sysfs,
 * /dev nodes) through the CLI as a subprocess: no udevadm, no hardware.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import type { PortInfo } from '../../src/ports/node/list.js';
import { FAKE_LINUX_HOST_SKIP, type FakeUsbDevice, FakeHost } from '../../harness/doctor-fake-host.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { cliPath } from '../../harness/paths.js';

const CP2102: FakeUsbDevice = {
  location: '1-1',
  vid: '10c4',
  pid: 'ea60',
  product: 'CP2102 USB to UART Bridge Controller',
  manufacturer: 'Silicon Labs',
  serial: '0001',
  driver: 'cp210x',
  tty: 'ttyUSB0',
};
const CH340: FakeUsbDevice = { location: '1-2', vid: '1a86', pid: '7523', product: 'USB Serial', driver: 'ch341', tty: 'ttyUSB1' };
const C3_JTAG: FakeUsbDevice = {
  location: '1-3',
  vid: '303a',
  pid: '1001',
  product: 'USB JTAG/serial debug unit',
  manufacturer: 'Espressif',
  serial: '84:F7:03:AA:BB:CC',
  driver: 'cdc_acm',
  tty: 'ttyACM0',
};

const hosts: FakeHost[] = [];
after(async () => {
  for (const h of hosts) await h.dispose();
});

async function hostWith(...devices: FakeUsbDevice[]): Promise<FakeHost> {
  const h = await FakeHost.create();
  hosts.push(h);
  for (const d of devices) await h.plug(d);
  return h;
}

test('ports lists each port with VID:PID, the USB bridge, the serial number and an ESP mark, in text and JSON', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await hostWith(CP2102, CH340, C3_JTAG);
  const text = await runCli(['ports'], { env: h.env() });
  assert.equal(text.code, 0, describeRun(text));
  const lines = text.stdout.trim().split('\n');
  assert.equal(lines.length, 3, text.stdout);
  const line = (tty: string) => lines.find((l) => l.includes(tty)) ?? '';
  assert.match(line('ttyUSB0'), /10c4:ea60\s+.*CP210x.*serial 0001.*likely ESP board/);
  assert.match(line('ttyUSB1'), /1a86:7523\s+.*CH340/);
  assert.match(line('ttyACM0'), /303a:1001\s+.*USB-Serial\/JTAG.*native USB/i);

  const json = await runCli(['--json', 'ports'], { env: h.env() });
  const ports = cliJson<PortInfo[]>(json).result ?? [];
  assert.deepEqual(
    ports.map((p) => [p.path.replace(/.*\//, ''), p.vid, p.pid, p.bridge?.id !== undefined, p.likelyEsp]),
    [
      ['ttyACM0', '303a', '1001', true, true],
      ['ttyUSB0', '10c4', 'ea60', true, true],
      ['ttyUSB1', '1a86', '7523', true, true],
    ],
  );
  assert.equal(ports.find((p) => p.path.endsWith('ttyUSB0'))?.serialNumber, '0001');
});

test('no port at all: the board verbs say E001 with the fix that fits (charge-only cable, or a missing driver)', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const bare = await hostWith();
  const run = await runCli(['--json', 'detect'], { env: bare.env() });
  assert.equal(run.code, 3, describeRun(run));
  const doc = cliJson(run);
  assert.equal(doc.error?.code, 'E001');
  assert.match(doc.error?.hint ?? '', /charge-only/);

  // A CP2102 on the bus but no driver bound to it: no tty appears, and the fix is the driver.
  const noDriver = await hostWith({ ...CP2102, driver: undefined, tty: undefined });
  const run2 = await runCli(['--json', 'detect'], { env: noDriver.env() });
  assert.equal(run2.code, 3, describeRun(run2));
  const doc2 = cliJson(run2);
  assert.equal(doc2.error?.code, 'E001');
  assert.match(doc2.error?.hint ?? '', /CP210x/);
  assert.match(doc2.error?.hint ?? '', /driver|modprobe/i);
});

test('several boards and no terminal: E005 lists them and says to choose with --port', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await hostWith(CP2102, CH340);
  const run = await runCli(['detect'], { env: h.env() });
  assert.equal(run.code, 3, describeRun(run));
  assert.match(run.stderr, /error E005: .*ttyUSB0.*ttyUSB1/);
  assert.match(run.stderr, /hint: .*--port/);
});

test('exactly one likely board: it is used without asking', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await hostWith(CP2102);
  const run = await runCli(['--verbose', 'detect'], { env: h.env(), timeoutMs: 30_000 });
  // The fake /dev node is a plain file, so opening it fails; what matters is which port was chosen.
  assert.match(run.stderr, /Using port \S*ttyUSB0/, describeRun(run));
  assert.notEqual(run.code, 0);
});

const havePython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

test('several boards on a terminal: a numbered choice, and the answer picks the port', { skip: havePython ? false : 'python3 (for a pty) is not installed' }, async () => {
  const h = await hostWith(CP2102, CH340);
  // python3's pty.spawn gives the CLI a real terminal; what we write to python's stdin is typed there.
  const child = spawn('python3', ['-c', 'import pty, sys; pty.spawn(sys.argv[1:])', process.execPath, cliPath, 'detect'], {
    env: h.env(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 20_000;
  while (!/Which one \(1-2\)\?/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(out, /1\) \S*ttyUSB0 \(.*CP210x/);
  assert.match(out, /2\) \S*ttyUSB1 \(.*CH340/);
  child.stdin.write('2\n');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await done;
  clearTimeout(timer);
  assert.match(out, /Using port \S*ttyUSB1/, out);
});
