import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { choosePort, findPortBySerial, listPorts, type PortInfo } from '../../src/ports/node/list.js';
import { isUpyflashError } from '../../src/errors.js';
import { FAKE_LINUX_HOST_SKIP } from '../../harness/doctor-fake-host.js';

let root = '';

/** Relative links, as the kernel makes them, so the tree can live anywhere. */
async function link(at: string, target: string): Promise<void> {
  await mkdir(dirname(join(root, at)), { recursive: true });
  await symlink(relative(dirname(join(root, at)), join(root, target)), join(root, at));
}

async function dir(path: string, attrs: Record<string, string> = {}, subsystem?: string): Promise<void> {
  await mkdir(join(root, path), { recursive: true });
  for (const [name, value] of Object.entries(attrs)) await writeFile(join(root, path, name), `${value}\n`);
  if (subsystem) await link(join(path, 'subsystem'), `bus/${subsystem}`);
}

/** A tty class entry pointing at its node in the device tree, whose `device` points at `device`. */
async function tty(name: string, ttyDir: string, device?: string): Promise<void> {
  await dir(ttyDir);
  await writeFile(join(root, ttyDir, 'dev'), '188:0\n');
  if (device) await link(join(ttyDir, 'device'), device);
  await link(`class/tty/${name}`, ttyDir);
}

const USB = 'devices/pci0000:00/0000:00:14.0/usb1';

before(async () => {
  if (FAKE_LINUX_HOST_SKIP) return;
  root = await mkdtemp(join(tmpdir(), 'upyflash-sysfs-'));
  for (const bus of ['usb', 'usb-serial', 'pnp', 'platform', 'serial-base']) await dir(`bus/${bus}`);

  // CP2102 board: usb-serial driver, ttyUSB0 under the interface.
  await dir(`${USB}/1-1`, { idVendor: '10c4', idProduct: 'ea60', manufacturer: 'Silicon Labs', product: 'CP2102 USB to UART Bridge Controller', serial: '0001' }, 'usb');
  await dir(`${USB}/1-1/1-1:1.0`, { bInterfaceNumber: '00' }, 'usb');
  await dir(`${USB}/1-1/1-1:1.0/ttyUSB0`, {}, 'usb-serial');
  await tty('ttyUSB0', `${USB}/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0`, `${USB}/1-1/1-1:1.0/ttyUSB0`);

  // ESP32-C3 USB-Serial/JTAG: cdc_acm, the tty's device is the interface itself.
  await dir(`${USB}/1-2`, { idVendor: '303a', idProduct: '1001', manufacturer: 'Espressif', product: 'USB JTAG/serial debug unit', serial: 'F4:12:FA:4D:F1:7C' }, 'usb');
  await dir(`${USB}/1-2/1-2:1.0`, { bInterfaceNumber: '00' }, 'usb');
  await tty('ttyACM0', `${USB}/1-2/1-2:1.0/tty/ttyACM0`, `${USB}/1-2/1-2:1.0`);

  // CH340 behind a hub, no serial number string (as on most clones).
  await dir(`${USB}/1-3/1-3.2`, { idVendor: '1a86', idProduct: '7523', product: 'USB Serial' }, 'usb');
  await dir(`${USB}/1-3/1-3.2/1-3.2:1.0`, { bInterfaceNumber: '00' }, 'usb');
  await dir(`${USB}/1-3/1-3.2/1-3.2:1.0/ttyUSB1`, {}, 'usb-serial');
  await tty('ttyUSB10', `${USB}/1-3/1-3.2/1-3.2:1.0/ttyUSB1/tty/ttyUSB10`, `${USB}/1-3/1-3.2/1-3.2:1.0/ttyUSB1`);

  // Second UART of an FT2232 (interface 1).
  await dir(`${USB}/1-4`, { idVendor: '0403', idProduct: '6010', manufacturer: 'FTDI', product: 'Dual RS232-HS' }, 'usb');
  await dir(`${USB}/1-4/1-4:1.1`, { bInterfaceNumber: '01' }, 'usb');
  await dir(`${USB}/1-4/1-4:1.1/ttyUSB2`, {}, 'usb-serial');
  await tty('ttyUSB2', `${USB}/1-4/1-4:1.1/ttyUSB2/tty/ttyUSB2`, `${USB}/1-4/1-4:1.1/ttyUSB2`);

  // A Prolific adapter: a serial port, but not a known ESP bridge.
  await dir(`${USB}/1-5`, { idVendor: '067b', idProduct: '2303', manufacturer: 'Prolific Technology Inc.' }, 'usb');
  await dir(`${USB}/1-5/1-5:1.0`, { bInterfaceNumber: '00' }, 'usb');
  await dir(`${USB}/1-5/1-5:1.0/ttyUSB3`, {}, 'usb-serial');
  await tty('ttyUSB3', `${USB}/1-5/1-5:1.0/ttyUSB3/tty/ttyUSB3`, `${USB}/1-5/1-5:1.0/ttyUSB3`);

  // A real mainboard UART (PNP), listed without USB data.
  await dir('devices/pnp0/00:05', {}, 'pnp');
  await tty('ttyS0', 'devices/pnp0/00:05/tty/ttyS0', 'devices/pnp0/00:05');

  // Phantom 8250 ports: on the platform bus directly (older kernels) or via serial-base (6.5+).
  await dir('devices/platform/serial8250', {}, 'platform');
  await tty('ttyS1', 'devices/platform/serial8250/tty/ttyS1', 'devices/platform/serial8250');
  await dir('devices/platform/serial8250/serial8250:0', {}, 'serial-base');
  await dir('devices/platform/serial8250/serial8250:0/serial8250:0.2', {}, 'serial-base');
  await tty('ttyS2', 'devices/platform/serial8250/serial8250:0/serial8250:0.2/tty/ttyS2', 'devices/platform/serial8250/serial8250:0/serial8250:0.2');

  // Virtual terminals and ptys have no device link.
  await tty('tty0', 'devices/virtual/tty/tty0');
  await tty('ptmx', 'devices/virtual/tty/ptmx');
});

after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const list = (): Promise<PortInfo[]> => listPorts({ sysfsRoot: root, devRoot: '/dev', platform: 'linux' });

test('lists hardware ttys in natural order and skips virtual and phantom ones', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const ports = await list();
  assert.deepEqual(
    ports.map((p) => p.path),
    ['/dev/ttyACM0', '/dev/ttyS0', '/dev/ttyUSB0', '/dev/ttyUSB2', '/dev/ttyUSB3', '/dev/ttyUSB10'],
  );
});

test('a sysfs root reached through a symlink (macOS: /var is /private/var) still yields the USB identity', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const via = `${root}-via-link`;
  await symlink(root, via);
  try {
    const cp = (await listPorts({ sysfsRoot: via, devRoot: '/dev', platform: 'linux' })).find((p) => p.path === '/dev/ttyUSB0');
    assert.equal(cp?.bridge?.id, 'cp210x');
    assert.equal(cp?.serialNumber, '0001');
  } finally {
    await rm(via, { force: true });
  }
});

test('reads USB identity from the device above the interface', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const byPath = new Map((await list()).map((p) => [p.path, p]));
  const cp = byPath.get('/dev/ttyUSB0')!;
  assert.equal(cp.vid, '10c4');
  assert.equal(cp.pid, 'ea60');
  assert.equal(cp.manufacturer, 'Silicon Labs');
  assert.equal(cp.product, 'CP2102 USB to UART Bridge Controller');
  assert.equal(cp.serialNumber, '0001');
  assert.equal(cp.bridge?.id, 'cp210x');
  assert.equal(cp.bridge?.nativeUsb, false);
  assert.equal(cp.likelyEsp, true);
  assert.equal(cp.location, '1-1:1.0');
  assert.equal(cp.interfaceNumber, 0);

  const acm = byPath.get('/dev/ttyACM0')!;
  assert.equal(acm.bridge?.id, 'esp-usb-serial-jtag');
  assert.equal(acm.bridge?.nativeUsb, true);
  assert.equal(acm.serialNumber, 'F4:12:FA:4D:F1:7C');

  const ch = byPath.get('/dev/ttyUSB10')!;
  assert.equal(ch.bridge?.id, 'ch340');
  assert.equal(ch.serialNumber, undefined);
  assert.equal(ch.location, '1-3.2:1.0');

  const ftdi = byPath.get('/dev/ttyUSB2')!;
  assert.equal(ftdi.bridge?.id, 'ftdi');
  assert.equal(ftdi.interfaceNumber, 1);

  const prolific = byPath.get('/dev/ttyUSB3')!;
  assert.equal(prolific.bridge, undefined);
  assert.equal(prolific.likelyEsp, false);

  const uart = byPath.get('/dev/ttyS0')!;
  assert.deepEqual(uart, { path: '/dev/ttyS0', likelyEsp: false });
});

test('choosePort: one likely board is chosen, several are MULTIPLE_PORTS, none is NO_PORTS', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const ports = await list();
  assert.throws(
    () => choosePort(ports),
    (e: unknown) =>
      isUpyflashError(e, 'MULTIPLE_PORTS') &&
      JSON.stringify(e.details['ports']) === JSON.stringify(['/dev/ttyACM0', '/dev/ttyUSB0', '/dev/ttyUSB2', '/dev/ttyUSB10']),
  );
  const one = ports.filter((p) => p.path === '/dev/ttyUSB10' || !p.likelyEsp);
  assert.equal(choosePort(one).path, '/dev/ttyUSB10');
  assert.throws(
    () => choosePort(ports.filter((p) => !p.likelyEsp)),
    (e: unknown) => isUpyflashError(e, 'NO_PORTS') && /ttyS0/.test(e.message) && /--port/.test(e.hint),
  );
  assert.throws(() => choosePort([]), (e: unknown) => isUpyflashError(e, 'NO_PORTS') && /doctor/.test(e.hint));
});

test('findPortBySerial finds a native-USB board again by its serial number', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  assert.equal((await findPortBySerial('F4:12:FA:4D:F1:7C', { sysfsRoot: root, platform: 'linux' }))?.path, '/dev/ttyACM0');
  assert.equal(await findPortBySerial('nope', { sysfsRoot: root, platform: 'linux' }), undefined);
});

test('findPortBySerial waits for a board that re-enumerates', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  const waiting = findPortBySerial('S3-NATIVE', { sysfsRoot: root, platform: 'linux', timeoutMs: 10_000, pollMs: 20 });
  // The board comes back as ttyACM1 with the MicroPython TinyUSB PID.
  await dir(`${USB}/1-6`, { idVendor: '303a', idProduct: '4001', manufacturer: 'Espressif', serial: 'S3-NATIVE' }, 'usb');
  await dir(`${USB}/1-6/1-6:1.0`, { bInterfaceNumber: '00' }, 'usb');
  await tty('ttyACM1', `${USB}/1-6/1-6:1.0/tty/ttyACM1`, `${USB}/1-6/1-6:1.0`);
  const found = await waiting;
  assert.equal(found?.path, '/dev/ttyACM1');
  assert.equal(found?.bridge?.id, 'esp-usb-cdc');
  assert.equal(found?.likelyEsp, true);
});

test('a missing sysfs gives an empty list, not an error', { skip: FAKE_LINUX_HOST_SKIP }, async () => {
  assert.deepEqual(await listPorts({ sysfsRoot: join(root, 'nothing-here'), platform: 'linux' }), []);
});

test('node-serialport listings (macOS, Windows) map to the same PortInfo', async () => {
  const { fromSerialportList } = await import( '../../src/ports/node/list.js');
  const mac = fromSerialportList(
    [
      { path: '/dev/tty.Bluetooth-Incoming-Port' },
      { path: '/dev/tty.usbserial-0001', vendorId: '10C4', productId: 'EA60', manufacturer: 'Silicon Labs', serialNumber: '0001', locationId: '00100000' },
      { path: '/dev/cu.usbmodem1101', vendorId: '303a', productId: '1001', serialNumber: 'F4:12:FA:4D:F1:7C' },
    ],
    'darwin',
  );
  assert.deepEqual(
    mac.map((p) => [p.path, p.bridge?.id, p.likelyEsp]),
    [
      ['/dev/cu.usbserial-0001', 'cp210x', true],
      ['/dev/cu.usbmodem1101', 'esp-usb-serial-jtag', true],
    ],
  );
  assert.equal(mac[0]!.vid, '10c4');
  const win = fromSerialportList([{ path: 'COM5', vendorId: '1A86', productId: '7523' }, { path: 'COM1' }], 'win32');
  assert.deepEqual(win.map((p) => [p.path, p.bridge?.id, p.likelyEsp]), [['COM5', 'ch340', true], ['COM1', undefined, false]]);
});
