/**
 * Node-only: serial port discovery. Linux reads sysfs directly; other systems ask node-serialport.
 */
import { sleep } from '../../platform/sleep.js';
import { comparePaths, describePort, type PortInfo, type UsbIdentity } from '../port-info.js';
import { listSysfsPorts, type SysfsOptions } from './linux-sysfs.js';

export { choosePort, describePort, portLabel, type PortInfo } from '../port-info.js';
export { USB_BRIDGES, bridgeFor, driverAdvice, hostOs, isLikelyEsp, type UsbBridge, type HostOs } from '../usb-bridges.js';
export { BRIDGE_RATE_FACTS, ESP_CANDIDATE_BAUDS, bestBaudFor, bridgeRateFacts, bridgeRateFactsById } from '../bridge-rates.js';
export type { BridgePartId, BridgeRateFacts } from '../bridge-rates.js';

export interface ListPortsOptions extends SysfsOptions {
  /** Defaults to process.platform; tests pass 'linux' with a fake sysfs tree. */
  platform?: NodeJS.Platform;
  /** Tests only: a node-serialport listing recorded on another OS, used in place of asking the OS. */
  recordedListing?: readonly SerialportListEntry[];
}

export async function listPorts(opts: ListPortsOptions = {}): Promise<PortInfo[]> {
  const platform = opts.platform ?? process.platform;
  const ports = opts.recordedListing
    ? fromSerialportList(opts.recordedListing, platform)
    : platform === 'linux'
      ? await listSysfsPorts(opts)
      : await listWithSerialport(platform);
  return ports.sort((a, b) => comparePaths(a.path, b.path));
}

async function listWithSerialport(platform: NodeJS.Platform): Promise<PortInfo[]> {
  const { SerialPort } = await import('serialport');
  return fromSerialportList(await SerialPort.list(), platform);
}

/** What node-serialport's list() reports for each port (its PortInfo; friendlyName on Windows only). */
export interface SerialportListEntry {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
  locationId?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
  friendlyName?: string | undefined;
}

/** macOS pseudo-ports that are never a board (esptool skips the same ones). */
const MACOS_NOT_BOARDS = ['Bluetooth-Incoming-Port', 'wlan-debug', 'debug-console'];

/** The names Apple's own drivers give USB serial ports; other names come from vendor drivers (SLAB_USBtoUART, wchusbserial*). */
const MACOS_OWN_NAMES = /^\/dev\/cu\.(usbserial-|usbmodem)/;

export function fromSerialportList(entries: readonly SerialportListEntry[], platform: NodeJS.Platform): PortInfo[] {
  const ports: PortInfo[] = [];
  for (const p of entries) {
    if (platform === 'darwin' && MACOS_NOT_BOARDS.some((name) => p.path.includes(name))) continue;
    ports.push(describePort(platform === 'win32' ? windowsIdentity(p) : macosIdentity(p, platform)));
  }
  return platform === 'darwin' ? dropVendorDriverTwins(ports) : ports;
}

function macosIdentity(p: SerialportListEntry, platform: NodeJS.Platform): UsbIdentity {
  // The call-out device (cu.*) opens without waiting for carrier detect; tty.* is for dial-in.
  const path = platform === 'darwin' ? p.path.replace(/^\/dev\/tty\./, '/dev/cu.') : p.path;
  return { path, vid: p.vendorId, pid: p.productId, manufacturer: p.manufacturer, serialNumber: p.serialNumber, location: p.locationId };
}

/**
 * Windows: the device instance id (pnpId) carries the ids when the driver left vendorId/productId out
 * (USB\VID_1A86&PID_7523\..., FTDIBUS\VID_0403+PID_6001+...), and the interface of a composite
 * device (MI_00). An instance part with "&" is one Windows made up for a device without a USB serial
 * number (CH340s have none): it is no serial number and changes with the USB socket.
 */
function windowsIdentity(p: SerialportListEntry): UsbIdentity {
  const pnp = p.pnpId ?? '';
  const vid = p.vendorId ?? /VID_([0-9a-f]{4})/i.exec(pnp)?.[1];
  const pid = p.productId ?? /PID_([0-9a-f]{4})/i.exec(pnp)?.[1];
  const mi = /&MI_([0-9a-f]{2})/i.exec(pnp)?.[1];
  // "USB-SERIAL CH340 (COM5)": the driver's name for the port, without the port.
  const product = p.friendlyName?.replace(/\s*\(COM\d+\)\s*$/i, '');
  return {
    path: p.path,
    vid,
    pid,
    manufacturer: p.manufacturer,
    product,
    serialNumber: p.serialNumber?.includes('&') ? undefined : p.serialNumber,
    location: p.locationId,
    interfaceNumber: mi === undefined ? undefined : parseInt(mi, 16),
  };
}

/**
 * With an old vendor driver still installed, macOS lists one USB chip twice (cu.SLAB_USBtoUART beside
 * cu.usbserial-0001, cu.wchusbserial1410 beside cu.usbserial-1410). Keep the built-in driver's port so
 * one board is one choice; WCH and Silicon Labs advise removing the old driver anyway.
 */
function dropVendorDriverTwins(ports: readonly PortInfo[]): PortInfo[] {
  const key = (p: PortInfo) => (p.vid && p.location ? `${p.vid}:${p.pid}@${p.location}/${p.serialNumber ?? ''}` : undefined);
  const ownDriver = new Set(ports.filter((p) => MACOS_OWN_NAMES.test(p.path)).map(key));
  return ports.filter((p) => {
    const k = key(p);
    return MACOS_OWN_NAMES.test(p.path) || k === undefined || !ownDriver.has(k);
  });
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
