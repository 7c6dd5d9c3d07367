import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortMock } from 'serialport';
import { SerialPortTransport, type SerialPortLike } from '../../src/transport/node/serial-port.js';
import { serialOpenError } from '../../src/transport/node/serial-errors.js';
import { isUpyflashError, type UpyflashError } from '../../src/errors.js';
import { readExactly } from '../../harness/collect.js';
import { projectRoot } from '../../harness/paths.js';

const hasPython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;
const isLinux = process.platform === 'linux';

/**
 * A real pseudo-terminal pair: python holds the master and answers each byte + 1; a 0xEE byte makes
 * it close the master, which is what an unplugged USB adapter looks like to the reader.
 */
const PTY_PEER = `
import os, pty, sys, tty, select
m, s = pty.openpty()
tty.setraw(s)
print(os.ttyname(s), flush=True)
os.close(s)
while True:
    r, _, _ = select.select([m, sys.stdin], [], [])
    if sys.stdin in r:
        if not sys.stdin.buffer.read1(100): break
        continue
    try:
        data = os.read(m, 4096)
    except OSError:
        continue
    if b'\\xee' in data:
        break
    os.write(m, bytes((b + 1) & 0xff for b in data))
os.close(m)
`;

async function startPty(): Promise<{ path: string; peer: ChildProcess }> {
  const peer = spawn('python3', ['-c', PTY_PEER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const path = await new Promise<string>((resolve, reject) => {
    peer.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    peer.once('error', reject);
  });
  return { path, peer };
}

test('a missing device is PORT_NOT_FOUND (real binding)', async () => {
  const t = new SerialPortTransport('/dev/ttyUSB-upyflash-missing', 115200);
  await assert.rejects(t.open(), (e: unknown) => isUpyflashError(e, 'PORT_NOT_FOUND') && /upyflash ports/.test(e.hint));
});

test('a file that is not a tty is BAD_ARGUMENT (real binding)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-serial-'));
  const file = join(dir, 'not-a-tty');
  await writeFile(file, 'x');
  await assert.rejects(new SerialPortTransport(file, 115200).open(), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT'));
  await rm(dir, { recursive: true, force: true });
});

test('pty: bytes flow both ways, a second opener gets PORT_BUSY naming the holder, unplug is DISCONNECTED', { skip: !isLinux ? 'a Linux pty stands in for the serial port (the busy holder is named from /proc)' : !hasPython && 'python3 is needed to hold a pty pair' }, async () => {
  const { path, peer } = await startPty();
  const t = new SerialPortTransport(path, 115200);
  await t.open();
  // A pty has no modem lines: the transport says so instead of failing.
  assert.equal(t.capabilities.controlLines, false);
  await t.setSignals({ dtr: true, rts: false });

  await t.write(Uint8Array.of(0x00, 0x41, 0xff, 0x10));
  await t.drain();
  assert.deepEqual([...(await readExactly(t, 4))], [0x01, 0x42, 0x00, 0x11]);

  await t.setBaud(460800);
  assert.equal(t.baud, 460800);

  const second = new SerialPortTransport(path, 115200);
  await assert.rejects(second.open(), (e: unknown) => {
    if (!isUpyflashError(e, 'PORT_BUSY')) return false;
    if (!isLinux) return true;
    const holders = e.details['holders'] as Array<{ pid: number; command: string }>;
    return holders.some((h) => h.pid === process.pid) && e.message.includes(`pid ${process.pid}`);
  });

  await t.write(Uint8Array.of(0xee)); // the peer hangs up
  await assert.rejects(
    async () => {
      for (;;) await t.read(5000);
    },
    (e: unknown) => isUpyflashError(e, 'DISCONNECTED'),
  );
  await assert.rejects(t.write(Uint8Array.of(1)), (e: unknown) => isUpyflashError(e, 'DISCONNECTED'));
  await t.close();
  peer.stdin!.end();
});

test('permission denied names the group that owns the device and the usermod command', { skip: !isLinux && 'Linux permissions' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-perm-'));
  const device = join(dir, 'ttyUSB9');
  await writeFile(device, '');
  await chmod(dir, 0o755);
  let error: { kind: string; hint: string; details: Record<string, unknown> };
  if (process.getuid?.() === 0) {
    // Root opens anything, so open the node as "nobody" in a child process to get a real EACCES.
    await chown(device, 0, 20); // group 20 = dialout on Debian/Ubuntu
    await chmod(device, 0o660);
    const script = `
      import(${JSON.stringify(join(projectRoot, 'dist/src/transport/node/serial-port.js'))}).then(async ({ SerialPortTransport }) => {
        try { await new SerialPortTransport(${JSON.stringify(device)}, 115200).open(); console.log('{}'); }
        catch (e) { console.log(JSON.stringify({ kind: e.kind, hint: e.hint, details: e.details })); }
      });`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    error = JSON.parse(run.stdout.trim()) as typeof error;
  } else {
    await chmod(device, 0o000);
    error = await new SerialPortTransport(device, 115200).open().then(
      () => assert.fail('opened a mode 000 file'),
      (e: UpyflashError) => e,
    );
  }
  assert.equal(error.kind, 'PERMISSION_DENIED');
  const group = error.details['group'];
  assert.equal(typeof group, 'string');
  assert.match(error.hint, new RegExp(`usermod -aG ${String(group)} \\$USER`));
  await rm(dir, { recursive: true, force: true });
});

test('OS messages map to error kinds (including how Windows says "busy")', async () => {
  const kind = async (message: string, platform: NodeJS.Platform = 'linux') =>
    (await serialOpenError(new Error(message), '/dev/x', { platform, procRoot: '/nonexistent' })).kind;
  assert.equal(await kind('Error: No such file or directory, cannot open /dev/x'), 'PORT_NOT_FOUND');
  assert.equal(await kind('Opening COM7: File not found', 'win32'), 'PORT_NOT_FOUND');
  assert.equal(await kind('Error: Permission denied, cannot open /dev/x'), 'PERMISSION_DENIED');
  assert.equal(await kind('Error Resource temporarily unavailable Cannot lock port'), 'PORT_BUSY');
  assert.equal(await kind('Error: Resource busy, cannot open /dev/x', 'darwin'), 'PORT_BUSY');
  assert.equal(await kind('Opening COM7: Access denied', 'win32'), 'PORT_BUSY');
  assert.equal(await kind('Error: Inappropriate ioctl for device setting custom baud rate'), 'BAD_ARGUMENT');
});

test('every control-line change passes both lines to node-serialport, starting with both released', async () => {
  const path = '/dev/upyflash-mock';
  SerialPortMock.binding.createPort(path, { echo: true });
  const setCalls: Array<{ dtr: boolean; rts: boolean }> = [];
  const createPort = ({ path: p, baudRate }: { path: string; baudRate: number }): SerialPortLike => {
    const port = new SerialPortMock({ path: p, baudRate, autoOpen: false });
    const set = port.set.bind(port);
    port.set = ((options: { dtr: boolean; rts: boolean }, cb: (err: Error | null) => void) => {
      setCalls.push({ ...options });
      return set(options, cb);
    }) as typeof port.set;
    return port as unknown as SerialPortLike;
  };
  const t = new SerialPortTransport(path, 115200, { createPort });
  await t.open();
  assert.equal(t.capabilities.controlLines, true);
  await t.setSignals({ dtr: true, rts: true });
  await t.setSignals({ dtr: false, rts: true });
  await t.setSignals({ dtr: true, rts: false });
  await t.setSignals({ dtr: false, rts: false });
  assert.deepEqual(setCalls, [
    { dtr: false, rts: false },
    { dtr: true, rts: true },
    { dtr: false, rts: true },
    { dtr: true, rts: false },
    { dtr: false, rts: false },
  ]);
  await t.write(Uint8Array.of(7, 8, 9));
  assert.deepEqual([...(await readExactly(t, 3))], [7, 8, 9]);
  await t.close();
  SerialPortMock.binding.reset();
});
