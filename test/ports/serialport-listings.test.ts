/**
 * Windows and macOS port listings as node-serialport reports them there (recorded shapes in
 * test/fixtures/ports/), through the same bridge table as Linux's sysfs listing: the CLI is run with
 * UPYFLASH_TEST_PORT_LISTING so `ports` answers as it would on that OS.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { choosePort, fromSerialportList, listPorts, type PortInfo, type SerialportListEntry } from '../../src/ports/node/list.js';
import { isUpyflashError } from '../../src/errors.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { projectRoot } from '../../harness/paths.js';

const fixture = (name: string) => join(projectRoot, 'test', 'fixtures', 'ports', `${name}.json`);
const recorded = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8')) as { platform: NodeJS.Platform; ports: SerialportListEntry[] };
const summary = (ports: readonly PortInfo[]) => ports.map((p) => [p.path, p.bridge?.id ?? null, p.likelyEsp]);

test('Windows: CP2102, CH340, CH9102 and the ESP32-S3/C3 USB-Serial/JTAG are recognised on their COM ports; COM1 is not a board', async () => {
  const { platform, ports } = recorded('windows');
  const listed = await listPorts({ platform, recordedListing: ports });
  assert.deepEqual(summary(listed), [
    ['COM1', null, false],
    ['COM3', 'cp210x', true],
    ['COM5', 'ch340', true],
    ['COM7', 'ch9102', true],
    ['COM9', 'esp-usb-serial-jtag', true],
  ]);
  const byPath = new Map(listed.map((p) => [p.path, p]));
  // Windows reports ids in capitals; the table and JSON output use lowercase, as on Linux.
  assert.equal(byPath.get('COM5')?.vid, '1a86');
  assert.equal(byPath.get('COM5')?.pid, '7523');
  // A CH340 has no USB serial number: "5&2A1A5A3B&0&2" is Windows' own instance id and must not pass for one.
  assert.equal(byPath.get('COM5')?.serialNumber, undefined);
  assert.equal(byPath.get('COM3')?.serialNumber, '0001');
  // The native USB port is interface 0 of a composite device, and keeps the chip's serial (its MAC) for re-finding after reset.
  assert.equal(byPath.get('COM9')?.interfaceNumber, 0);
  assert.equal(byPath.get('COM9')?.serialNumber, 'F4:12:FA:4B:2C:10');
  assert.equal(byPath.get('COM9')?.bridge?.nativeUsb, true);
  assert.equal(byPath.get('COM5')?.product, 'USB-SERIAL CH340');
});

test('Windows: ids come from the pnpId when the driver reports no vendorId/productId (FTDI\'s FTDIBUS ids included)', () => {
  const [ch340, ftdi] = fromSerialportList(
    [
      { path: 'COM5', pnpId: 'USB\\VID_1A86&PID_7523\\5&2A1A5A3B&0&2', manufacturer: 'wch.cn' },
      { path: 'COM6', pnpId: 'FTDIBUS\\VID_0403+PID_6001+A50285BIA\\0000', manufacturer: 'FTDI' },
    ],
    'win32',
  );
  assert.deepEqual([ch340?.vid, ch340?.pid, ch340?.bridge?.id], ['1a86', '7523', 'ch340']);
  assert.deepEqual([ftdi?.vid, ftdi?.pid, ftdi?.bridge?.id], ['0403', '6001', 'ftdi']);
});

test('macOS: call-out /dev/cu.* ports, no Bluetooth or debug console, and one port per chip when an old vendor driver doubles it', async () => {
  const { platform, ports } = recorded('macos');
  const listed = await listPorts({ platform, recordedListing: ports });
  assert.deepEqual(summary(listed), [
    ['/dev/cu.usbmodem14401', 'esp-usb-serial-jtag', true],
    ['/dev/cu.usbmodem53230301791', 'ch9102', true],
    ['/dev/cu.usbserial-0001', 'cp210x', true],
    ['/dev/cu.usbserial-1410', 'ch340', true],
  ]);
  // A vendor-named port with no built-in twin stays: it is the only way to the board.
  const alone = fromSerialportList([{ path: '/dev/cu.wchusbserial1410', vendorId: '1a86', productId: '7523', locationId: '14100000' }], 'darwin');
  assert.deepEqual(summary(alone), [['/dev/cu.wchusbserial1410', 'ch340', true]]);
  // A dial-in name someone passes along becomes the call-out device.
  assert.equal(fromSerialportList([{ path: '/dev/tty.usbserial-0001', vendorId: '10c4', productId: 'ea60' }], 'darwin')[0]?.path, '/dev/cu.usbserial-0001');
});

test('one board on each OS is chosen without asking; the choice is the board, not COM1 or Bluetooth', async () => {
  const win = fromSerialportList(recorded('windows').ports.filter((p) => p.path === 'COM1' || p.path === 'COM5'), 'win32');
  assert.equal(choosePort(win).path, 'COM5');
  const mac = fromSerialportList(recorded('macos').ports.filter((p) => /Bluetooth|debug|1410/.test(p.path)), 'darwin');
  assert.equal(choosePort(mac).path, '/dev/cu.usbserial-1410');
  // The driverless Windows listing has only COM1: no board to choose, and the error lists what exists.
  try {
    choosePort(fromSerialportList(recorded('windows-no-driver').ports, 'win32'));
    assert.fail('choosePort should refuse COM1');
  } catch (e) {
    assert.ok(isUpyflashError(e, 'NO_PORTS'), String(e));
    assert.match(e.message, /COM1/);
  }
});

test('`upyflash ports` prints the Windows and macOS listings with the bridge and ESP mark, in text and JSON', async () => {
  const win = await runCli(['ports'], { env: { ...process.env, UPYFLASH_TEST_PORT_LISTING: fixture('windows') } });
  assert.equal(win.code, 0, describeRun(win));
  const line = (path: string) => win.stdout.split('\n').find((l) => l.startsWith(path)) ?? '';
  assert.match(line('COM5 '), /1a86:7523\s+WCH CH340\s+<- likely ESP board/);
  assert.match(line('COM9 '), /303a:1001\s+Espressif USB-Serial\/JTAG.*serial F4:12:FA:4B:2C:10.*native USB/);
  assert.doesNotMatch(line('COM1 '), /ESP/);

  const mac = await runCli(['--json', 'ports'], { env: { ...process.env, UPYFLASH_TEST_PORT_LISTING: fixture('macos') } });
  const ports = cliJson<PortInfo[]>(mac).result ?? [];
  assert.deepEqual(
    ports.map((p) => p.path),
    ['/dev/cu.usbmodem14401', '/dev/cu.usbmodem53230301791', '/dev/cu.usbserial-0001', '/dev/cu.usbserial-1410'],
  );
});
