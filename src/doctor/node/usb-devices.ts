/**
 * Node-only, Linux: every USB device from sysfs, with the drivers bound to its interfaces and the
 * serial ports made of it. The port listing only sees devices that became ttys; this sees the ones
 * that did not (driver missing, or claimed by brltty or a program through usbfs).
 */
import { readdir, readlink, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readSysfsAttr } from '../../ports/node/linux-sysfs.js';
import type { UsbDeviceFact } from '../types.js';

const HUB_CLASS = '09';
const TTY_NAME = /^tty(USB|ACM)\d+$/;

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Undefined when there is no sysfs to read (not Linux, or a container without /sys). */
export async function listUsbDevices(sysfsRoot = '/sys'): Promise<UsbDeviceFact[] | undefined> {
  const busDir = join(sysfsRoot, 'bus', 'usb', 'devices');
  let names: string[];
  try {
    names = await readdir(busDir);
  } catch {
    return undefined;
  }
  const devices: UsbDeviceFact[] = [];
  for (const name of names.sort()) {
    if (name.includes(':')) continue; // interfaces are listed beside their devices
    let dir: string;
    try {
      dir = await realpath(join(busDir, name));
    } catch {
      continue;
    }
    const vid = await readSysfsAttr(dir, 'idVendor');
    const pid = await readSysfsAttr(dir, 'idProduct');
    if (!vid || !pid || (await readSysfsAttr(dir, 'bDeviceClass')) === HUB_CLASS) continue;
    const drivers: string[] = [];
    const ttys: string[] = [];
    for (const entry of await list(dir)) {
      if (!entry.startsWith(`${name}:`)) continue;
      const ifDir = join(dir, entry);
      const driver = await readlink(join(ifDir, 'driver')).then(basename, () => undefined);
      if (driver && !drivers.includes(driver)) drivers.push(driver);
      // usb-serial drivers put ttyUSBn right under the interface, cdc_acm puts it under tty/.
      for (const child of [...(await list(ifDir)), ...(await list(join(ifDir, 'tty')))]) {
        if (TTY_NAME.test(child) && !ttys.includes(child)) ttys.push(child);
      }
    }
    const manufacturer = await readSysfsAttr(dir, 'manufacturer');
    const product = await readSysfsAttr(dir, 'product');
    const serialNumber = await readSysfsAttr(dir, 'serial');
    devices.push({
      location: name,
      vid: vid.toLowerCase(),
      pid: pid.toLowerCase(),
      ...(manufacturer ? { manufacturer } : {}),
      ...(product ? { product } : {}),
      ...(serialNumber ? { serialNumber } : {}),
      drivers,
      ttys,
    });
  }
  return devices;
}
