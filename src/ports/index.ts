/**
 * Node-only: serial port discovery. Linux reads sysfs directly; other systems ask node-serialport.
 */
import { comparePaths, describePort, type PortInfo } from './port-info.js';
import { listSysfsPorts, type SysfsOptions } from './linux-sysfs.js';

export { choosePort, describePort, portLabel, type PortInfo } from './port-info.js';
export { USB_BRIDGES, bridgeFor, driverAdvice, hostOs, isLikelyEsp, type UsbBridge, type HostOs } from './usb-bridges.js';

export interface ListPortsOptions extends SysfsOptions {
  /** Defaults to process.platform; tests pass 'linux' with a fake sysfs tree. */
  platform?: NodeJS.Platform;
}

export async function listPorts(opts: ListPortsOptions = {}): Promise<PortInfo[]> {
  const platform = opts.platform ?? process.platform;
  const ports = platform === 'linux' ? await listSysfsPorts(opts) : await listWithSerialport();
  return ports.sort((a, b) => comparePaths(a.path, b.path));
}

async function listWithSerialport(): Promise<PortInfo[]> {
  const { SerialPort } = await import('serialport');
  const found = await SerialPort.list();
  return found.map((p) =>
    describePort({
      path: p.path,
      vid: p.vendorId,
      pid: p.productId,
      manufacturer: p.manufacturer,
      serialNumber: p.serialNumber,
      location: p.locationId,
    }),
  );
}

/**
 * Boards on the chip's own USB re-enumerate after a reset, often under another name (ttyACM0 ->
 * ttyACM1, COM5 -> COM6): find the port again by its USB serial number, waiting up to timeoutMs.
 */
export async function findPortBySerial(
  serialNumber: string,
  opts: ListPortsOptions & { timeoutMs?: number; pollMs?: number } = {},
): Promise<PortInfo | undefined> {
  const deadline = Date.now() + (opts.timeoutMs ?? 0);
  for (;;) {
    const match = (await listPorts(opts)).find((p) => p.serialNumber === serialNumber);
    if (match || Date.now() >= deadline) return match;
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 100));
  }
}
