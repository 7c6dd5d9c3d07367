/**
 * Native-USB boards drop off the bus on reset and come back, possibly as another node. Simulated with
 * a fake sysfs tree whose tty changes (ttyACM0 -> ttyACM1, same USB serial number) and a virtual board
 * whose TCP link is cut and re-served: the job finds the board again and carries on.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { UpyflashError, isUpyflashError } from '../../src/errors.js';
import { RefindingTransport, followNativeUsb, matchPort, refindPort, reopenPort, type PortIdentity } from '../../src/transport/refinding-transport.js';
import { connect } from '../../src/flasher/session.js';
import { listPorts } from '../../src/ports/node/list.js';
import { Reporter, type ProgressEvent } from '../../src/progress.js';
import { openTransport } from '../../src/transport/node/open.js';
import type { Transport } from '../../src/transport/transport.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { startVirtualBoardServer, type VirtualBoardServer } from '../../src/virtual-board/node/server.js';
import { FAKE_LINUX_HOST_SKIP, FakeHost } from '../../harness/doctor-fake-host.js';

const hosts: FakeHost[] = [];
after(async () => {
  for (const h of hosts) await h.dispose();
});

const C3 = { location: '1-3', vid: '303a', pid: '1001', product: 'USB JTAG/serial debug unit', serial: 'F4:12:FA:4D:F1:7C', driver: 'cdc_acm', tty: 'ttyACM0' };

async function fakeHost(): Promise<FakeHost> {
  const h = await FakeHost.create();
  hosts.push(h);
  return h;
}

function recorder(): { reporter: Reporter; messages: string[] } {
  const messages: string[] = [];
  const reporter = new Reporter({ emit: (e: ProgressEvent) => e.type === 'log' && messages.push(e.message) });
  return { reporter, messages };
}

test('a native-USB board that drops out and comes back as ttyACM1: the session carries on', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await fakeHost();
  await h.plug(C3);
  const board = new VirtualBoard({ chip: 'esp32c3', bootMode: 'download', linkModel: false, flashTiming: false });
  const servers: VirtualBoardServer[] = [await startVirtualBoardServer({ board, port: 0 })];
  // Each device node leads to the board through its own TCP server, as a USB node leads to the chip.
  const wiring = new Map<string, string>([[h.dev('ttyACM0'), `socket://127.0.0.1:${servers[0]!.port}`]]);
  const opened: string[] = [];
  const open = async (path: string): Promise<Transport> => {
    const url = wiring.get(path);
    if (!url) throw new UpyflashError('PORT_NOT_FOUND', `${path} is not there`, { details: { path } });
    opened.push(path);
    return openTransport(url, { baud: 115200 });
  };
  const list = () => listPorts({ platform: 'linux', sysfsRoot: h.sysfsRoot, devRoot: h.devRoot });
  const { reporter, messages } = recorder();
  try {
    const [identity] = await list();
    assert.equal(identity?.serialNumber, C3.serial);
    const transport = new RefindingTransport(await open(identity!.path), { identity: identity!, listPorts: list, open, timeoutMs: 5000, pollMs: 20, reporter });
    const session = await connect(transport, { before: 'no-reset', stub: false }, reporter);
    const before = await session.detect();
    assert.equal(before.chip, 'ESP32-C3');

    // The reset: the node and the link vanish; a moment later the board is back under another name.
    await h.unplug(C3);
    await servers[0]!.close();
    setTimeout(async () => {
      const again = await startVirtualBoardServer({ board, port: 0 });
      servers.push(again);
      wiring.set(h.dev('ttyACM1'), `socket://127.0.0.1:${again.port}`);
      await h.plug({ ...C3, tty: 'ttyACM1' });
    }, 200);

    const after = await session.detect();
    assert.equal(after.chip, 'ESP32-C3');
    assert.equal(after.mac, before.mac);
    assert.equal(transport.port.path, h.dev('ttyACM1'));
    assert.deepEqual(opened, [h.dev('ttyACM0'), h.dev('ttyACM1')]);
    assert.ok(messages.some((m) => m.includes(`moved from ${h.dev('ttyACM0')} to ${h.dev('ttyACM1')}`)), messages.join('\n'));
    await session.close('no-reset');
  } finally {
    for (const s of servers) await s.close();
    board.close();
  }
});

test('a board that does not come back: DISCONNECTED (E016) naming its serial number and what to do', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await fakeHost();
  const list = () => listPorts({ platform: 'linux', sysfsRoot: h.sysfsRoot, devRoot: h.devRoot });
  await assert.rejects(refindPort({ path: h.dev('ttyACM0'), serialNumber: C3.serial, vid: '303a' }, { listPorts: list, timeoutMs: 300, pollMs: 20 }), (e: unknown) => {
    assert.ok(isUpyflashError(e, 'DISCONNECTED'), String(e));
    assert.equal(e.code, 'E016');
    assert.match(e.message, /F4:12:FA:4D:F1:7C/);
    assert.match(e.hint, /upyflash ports/);
    return true;
  });
});

test('waiting for the old node to leave first, then finding the new one', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await fakeHost();
  await h.plug(C3);
  const list = () => listPorts({ platform: 'linux', sysfsRoot: h.sysfsRoot, devRoot: h.devRoot });
  const [identity] = await list();
  setTimeout(() => void h.unplug(C3).then(() => new Promise((r) => setTimeout(r, 100))).then(() => h.plug({ ...C3, location: '1-4', tty: 'ttyACM2' })), 100);
  const found = await refindPort(identity!, { listPorts: list, awaitDisappearanceMs: 3000, timeoutMs: 5000, pollMs: 20 });
  assert.equal(found.path, h.dev('ttyACM2'));
  assert.equal(found.serialNumber, C3.serial);
});

test('without a serial number, only a single new port of the same vendor counts as the board', () => {
  const previous: PortIdentity = { path: '/dev/ttyACM0', vid: '303a' };
  const before: PortIdentity[] = [previous, { path: '/dev/ttyUSB0', vid: '10c4' }];
  assert.equal(matchPort(previous, [{ path: '/dev/ttyUSB0', vid: '10c4' }, { path: '/dev/ttyACM1', vid: '303a' }], before)?.path, '/dev/ttyACM1');
  // Two candidates: refuse to guess.
  assert.equal(matchPort(previous, [{ path: '/dev/ttyACM1', vid: '303a' }, { path: '/dev/ttyACM2', vid: '303a' }], before), undefined);
  // A new port of another vendor is not the board.
  assert.equal(matchPort(previous, [{ path: '/dev/ttyUSB1', vid: '1a86' }], before), undefined);
  // With a serial number, the path does not matter.
  assert.equal(matchPort({ path: '/dev/ttyACM0', serialNumber: 'X' }, [{ path: '/dev/ttyACM5', serialNumber: 'X' }])?.path, '/dev/ttyACM5');
});

test('reopening waits out a node that udev has not given its group yet', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await fakeHost();
  await h.plug({ ...C3, tty: 'ttyACM1' });
  const board = new VirtualBoard({ chip: 'esp32c3', bootMode: 'download', linkModel: false, flashTiming: false });
  const server = await startVirtualBoardServer({ board, port: 0 });
  let attempts = 0;
  try {
    const { port, transport } = await reopenPort(
      { path: h.dev('ttyACM0'), serialNumber: C3.serial },
      {
        listPorts: () => listPorts({ platform: 'linux', sysfsRoot: h.sysfsRoot, devRoot: h.devRoot }),
        open: async (path) => {
          // The first opens meet the node as udev first creates it: root-only.
          if (++attempts < 3) throw new UpyflashError('PERMISSION_DENIED', `No permission to open ${path}`, { details: { path } });
          return openTransport(`socket://127.0.0.1:${server.port}`, { baud: 115200 });
        },
        timeoutMs: 5000,
        pollMs: 20,
      },
    );
    assert.equal(port.path, h.dev('ttyACM1'));
    assert.equal(attempts, 3);
    await transport.close();
  } finally {
    await server.close();
    board.close();
  }
});

test('followNativeUsb wraps only native-USB ports with a serial number', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const h = await fakeHost();
  await h.plug(C3);
  await h.plug({ location: '1-2', vid: '10c4', pid: 'ea60', serial: '0001', driver: 'cp210x', tty: 'ttyUSB0' });
  const list = () => listPorts({ platform: 'linux', sysfsRoot: h.sysfsRoot, devRoot: h.devRoot });
  const board = new VirtualBoard({ chip: 'esp32c3', bootMode: 'download', linkModel: false, flashTiming: false });
  const server = await startVirtualBoardServer({ board, port: 0 });
  const url = `socket://127.0.0.1:${server.port}`;
  try {
    const open = () => openTransport(url, { baud: 115200 });
    const plain = await open();
    assert.equal(await followNativeUsb(plain, h.dev('ttyUSB0'), { listPorts: list, open }), plain, 'a CP2102 is left alone');
    assert.equal(await followNativeUsb(plain, url, { listPorts: list, open }), plain, 'a TCP port is left alone');
    const followed = await followNativeUsb(plain, h.dev('ttyACM0'), { listPorts: list, open });
    assert.ok(followed instanceof RefindingTransport);
    assert.equal(followed.port.serialNumber, C3.serial);
    await followed.close();
  } finally {
    await server.close();
    board.close();
  }
});
