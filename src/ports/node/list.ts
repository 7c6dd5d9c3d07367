/**
 * Node-only: serial port discovery. Linux reads sysfs directly; other systems ask node-serialport.
 */
import { sleep } from '../../platform/sleep.js';
import { comparePaths, describePort, type PortInfo } from '../port-info.js';
import { listSysfsPorts, type SysfsOptions } from './linux-sysfs.js';

export { choosePort, describePort, portLabel, type PortInfo } from '../port-info.js';
export { USB_BRIDGES, bridgeFor, driverAdvice, hostOs, isLikelyEsp, type UsbBridge, type HostOs } from '../usb-bridges.js';
export { BRIDGE_RATE_FACTS, ESP_CANDIDATE_BAUDS, bestBaudFor, bridgeRateFacts, bridgeRateFactsById } from '../bridge-rates.js';
export type { BridgePartId, BridgeRateFacts } from '../bridge-rates.js';

export interface ListPortsOptions extends SysfsOptions {
  /** Defaults to process.platform; tests pass 'linux' with a fake sysfs tree. */
  platform?: NodeJS.Platform;
}

export async function listPorts(opts: ListPortsOptions = {}): Promise<PortInfo[]> {
  const platform = opts.platform ?? process.platform;
  const ports = platform === 'linux' ? await listSysfsPorts(opts) : await listWithSerialport(platform);
  return ports.sort((a, b) => comparePaths(a.path, b.path));
}

async function listWithSerialport(platform: NodeJS.Platform): Promise<PortInfo[]> {
  const { SerialPort } = await import('serialport');
  return fromSerialportList(await SerialPort.list(), platform);
}

/** What node-serialport's list() reports for each port (its PortInfo). */
export interface SerialportListEntry {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  locationId?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

/** macOS pseudo-ports that are never a board (esptool skips the same ones). */
const MACOS_NOT_BOARDS = ['Bluetooth-Incoming-Port', 'wlan-debug', 'debug-console'];

export function fromSerialportList(entries: readonly SerialportListEntry[], platform: NodeJS.Platform): PortInfo[] {
  const ports: PortInfo[] = [];
  for (const p of entries) {
    let path = p.path;
    if (platform === 'darwin') {
      if (MACOS_NOT_BOARDS.some((name) => path.includes(name))) continue;
      // The call-out device (cu.*) opens without waiting for carrier detect; tty.* is for dial-in.
      path = path.replace(/^\/dev\/tty\./, '/dev/cu.');
    }
    ports.push(
      describePort({
        path,
        vid: p.vendorId,
        pid: p.productId,
        manufacturer: p.manufacturer,
        serialNumber: p.serialNumber,
        location: p.locationId,
      }),
    );
  }
  return ports;
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
    await sleep(opts.pollMs ?? 100);
  }
}
