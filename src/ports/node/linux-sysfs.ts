/**
 * Node-only, Linux: serial ports straight from sysfs, the way udev would describe them but without
 * udevadm (often missing in containers, and what node-serialport's list() needs).
 * /sys/class/tty/NAME/device points into the device tree; walking up from there reaches the USB
 * interface (bInterfaceNumber) and the USB device (idVendor, idProduct, strings).
 */
import { readFile, readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describePort, type PortInfo, type UsbIdentity } from '../port-info.js';

export interface SysfsOptions {
  sysfsRoot?: string;
  devRoot?: string;
}

/** One sysfs attribute, trimmed; undefined when it is missing, unreadable or empty. */
export async function readSysfsAttr(dir: string, name: string): Promise<string | undefined> {
  try {
    const text = (await readFile(join(dir, name), 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await readSysfsAttr(dirname(path), basename(path))) !== undefined;
}

/** The subsystem a device directory belongs to (its `subsystem` link's target name). */
async function subsystemOf(deviceDir: string): Promise<string | undefined> {
  try {
    return basename(await realpath(join(deviceDir, 'subsystem')));
  } catch {
    return undefined;
  }
}

/**
 * The 8250 driver registers ttyS0..31 on the platform bus whether or not a UART exists. Since Linux
 * 6.5 a serial-base layer sits between tty and hardware, so look through it to the bus below.
 */
async function isPhantomUart(deviceDir: string): Promise<boolean> {
  let dir = deviceDir;
  let subsystem = await subsystemOf(dir);
  while (subsystem === 'serial-base') {
    dir = dirname(dir);
    subsystem = await subsystemOf(dir);
  }
  return subsystem === 'platform';
}

export async function listSysfsPorts(opts: SysfsOptions = {}): Promise<PortInfo[]> {
  const sysfsRoot = opts.sysfsRoot ?? '/sys';
  const devRoot = opts.devRoot ?? '/dev';
  const classDir = join(sysfsRoot, 'class', 'tty');
  let names: string[];
  try {
    names = await readdir(classDir);
  } catch {
    return [];
  }
  // Device links resolve to real paths; compare them with the real root (macOS's /var is /private/var).
  const realSysfsRoot = await realpath(sysfsRoot).catch(() => sysfsRoot);
  const ports: PortInfo[] = [];
  for (const name of names) {
    let deviceDir: string;
    try {
      deviceDir = await realpath(join(classDir, name, 'device'));
    } catch {
      continue; // virtual terminals, ptys, console: no hardware behind them
    }
    if (await isPhantomUart(deviceDir)) continue;
    const id: UsbIdentity = { path: join(devRoot, name) };
    await fillUsb(id, deviceDir, realSysfsRoot);
    ports.push(describePort(id));
  }
  return ports;
}

/** Walks up from the tty's device to the USB interface and the USB device above it. */
async function fillUsb(id: UsbIdentity, deviceDir: string, sysfsRoot: string): Promise<void> {
  const stop = join(sysfsRoot, 'devices');
  for (let dir = deviceDir; dir.startsWith(stop) && dir !== stop; dir = dirname(dir)) {
    if (id.interfaceNumber === undefined && (await exists(join(dir, 'bInterfaceNumber')))) {
      const n = parseInt((await readSysfsAttr(dir, 'bInterfaceNumber')) ?? '', 16);
      if (Number.isFinite(n)) id.interfaceNumber = n;
      id.location = basename(dir);
    }
    const vid = await readSysfsAttr(dir, 'idVendor');
    if (vid !== undefined) {
      id.vid = vid;
      id.pid = await readSysfsAttr(dir, 'idProduct');
      id.manufacturer = await readSysfsAttr(dir, 'manufacturer');
      id.product = await readSysfsAttr(dir, 'product');
      id.serialNumber = await readSysfsAttr(dir, 'serial');
      id.location ??= basename(dir);
      return;
    }
  }
}
