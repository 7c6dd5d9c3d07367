/**
 * What to do, per failure and per OS, as data. Each entry is one line a user can act on; the
 * functions below only fill in what the facts name (the group, the program, the port, the bridge).
 */
import type { PortInfo } from '../ports/port-info.js';
import { USB_BRIDGES, type HostOs, type UsbBridge } from '../ports/usb-bridges.js';
import type { DeviceNodeFact, UsbDeviceFact, UserFact } from './types.js';

/** The Linux kernel module that turns each bridge into a tty (what `modprobe` wants). */
export const LINUX_MODULE: Readonly<Record<string, string>> = {
  cp210x: 'cp210x',
  ch340: 'ch341',
  ch341: 'ch341',
  ch9102: 'cdc_acm',
  ch343: 'cdc_acm',
  ftdi: 'ftdi_sio',
  'esp-usb-serial-jtag': 'cdc_acm',
  'esp-usb-cdc': 'cdc_acm',
};

/** Programs that open or claim serial devices on their own, and how to stop them doing it. */
export const INTERFERERS: Readonly<Record<string, { why: string; fix: string }>> = {
  ModemManager: {
    why: 'ModemManager probes new /dev/ttyACM* ports for a modem right after they appear',
    fix: 'sudo systemctl stop ModemManager (or disable it if you have no mobile modem)',
  },
  brltty: {
    why: 'brltty (braille displays) claims CH340/CH341 USB devices, so no /dev/ttyUSB* appears',
    fix: 'sudo apt remove brltty (or disable its udev rules), then re-plug the board',
  },
};

export const CHARGE_ONLY_CABLE =
  'No USB serial device is connected at all: if the board\'s power LED is on, the cable is most likely charge-only (power wires, no data wires) — use a cable that syncs a phone, plug straight into the computer (no hub), and make sure the board is powered.';

export const BOOT_PROCEDURE = 'hold BOOT (IO0), tap EN (RST), release BOOT, then run again with --before no-reset';

const NATIVE_BOOT_PROCEDURE =
  'hold BOOT, tap RESET (or plug the USB cable in while holding BOOT), release BOOT: the board comes back as a new port (the ROM\'s USB) — pick it with `upyflash ports` and run again with --before no-reset';

const SERIAL_GROUP_BY_PREFERENCE = ['dialout', 'uucp', 'tty', 'plugdev'];

/** Device nodes show as cu.* and tty.* on macOS; only cu.* opens without waiting for carrier. */
const MACOS_PORT_NOTE = 'use the /dev/cu.* name of the port, not /dev/tty.*';

export function bridgeForIds(vid: string, pid: string): UsbBridge | undefined {
  const v = parseInt(vid, 16);
  const p = parseInt(pid, 16);
  return USB_BRIDGES.find((b) => b.vid === v && b.pids.includes(p));
}

/** Driver advice for every bridge on this OS, one clause each. */
export function allDriverAdvice(os: HostOs): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const b of USB_BRIDGES) {
    if (b.nativeUsb || seen.has(b.drivers[os])) continue;
    seen.add(b.drivers[os]);
    parts.push(`${b.name}: ${b.drivers[os]}`);
  }
  return parts.join(' ');
}

/**
 * Where Windows and macOS show a USB-serial chip that no driver turned into a port: we cannot see
 * such devices from Node, so the user is told where to look and which drivers it most likely needs.
 */
const NO_DRIVER_SIGN: Readonly<Record<Exclude<HostOs, 'linux'>, string>> = {
  windows:
    'No COM port for a board. A USB-serial chip without its driver gets no COM port: Device Manager shows it under "Other devices" with a yellow mark (a CH340 as "USB2.0-Serial", a CP2102 as "CP2102 USB to UART Bridge Controller"). Install the driver for the chip, then re-plug the board —',
  macos:
    'No /dev/cu.* port for a board. A USB-serial chip without a working driver gets no /dev/cu.* device (System Information > USB still lists it). Drivers —',
};

/** The bridges most boards carry whose driver users add by hand, most common first (cheap boards: CH340). */
const HAND_INSTALLED_DRIVERS = ['ch340', 'cp210x'];

/** What to check on an OS without a USB device view (Windows, macOS) when no board port exists. */
function noPortWithoutUsbView(os: Exclude<HostOs, 'linux'>): string {
  const drivers = HAND_INSTALLED_DRIVERS.map((id) => USB_BRIDGES.find((b) => b.id === id))
    .filter((b): b is UsbBridge => b !== undefined)
    .map((b) => `${b.name}: ${b.drivers[os]}`);
  const portNote = os === 'macos' ? ` Then ${MACOS_PORT_NOTE} (e.g. /dev/cu.usbserial-1410, /dev/cu.usbmodem1101).` : '';
  const cable =
    os === 'windows'
      ? 'If nothing new appears in Device Manager when you plug the board in, the cable is most likely charge-only: use one that syncs a phone.'
      : 'If System Information > USB does not list the board, the cable is most likely charge-only: use one that syncs a phone.';
  return `${NO_DRIVER_SIGN[os]} ${drivers.join(' ')}${portNote} ${cable}`;
}

/** No serial port at all: name the device that is there without a driver, or explain the cable. */
export function noPortsFix(os: HostOs, usb: readonly UsbDeviceFact[] | undefined, interferers: readonly string[]): string {
  const orphan = usb?.find((d) => d.ttys.length === 0 && bridgeForIds(d.vid, d.pid));
  if (orphan) {
    const bridge = bridgeForIds(orphan.vid, orphan.pid)!;
    if (interferers.includes('brltty') && LINUX_MODULE[bridge.id] === 'ch341') return INTERFERERS['brltty']!.fix + '.';
    const module = LINUX_MODULE[bridge.id];
    return os === 'linux' && module
      ? `The ${bridge.name} (${orphan.vid}:${orphan.pid}) is plugged in but no driver made a port of it: run \`sudo modprobe ${module}\` and re-plug the board. ${bridge.drivers.linux}`
      : `The ${bridge.name} (${orphan.vid}:${orphan.pid}) is plugged in but has no port: ${bridge.drivers[os]}`;
  }
  if (usb && !usb.some((d) => bridgeForIds(d.vid, d.pid) || d.vid === '303a')) return CHARGE_ONLY_CABLE;
  if (!usb && os !== 'linux') return noPortWithoutUsbView(os);
  return `Plug the board in with a data USB cable (charge-only cables carry no data) and check it is powered. Drivers — ${allDriverAdvice(os)}`;
}

/** Ports exist but none looks like a board (a motherboard COM1, a modem): the board may be one, or have no port yet. */
export function noBoardPortFix(os: HostOs, usb: readonly UsbDeviceFact[] | undefined, interferers: readonly string[]): string {
  return `If one of them is your board, pass it with --port. Otherwise: ${noPortsFix(os, usb, interferers)}`;
}

/** The group that grants serial access here: the node's own group, else the one this distribution uses. */
export function serialGroup(node: DeviceNodeFact | undefined, systemGroups: readonly string[]): string {
  if (node?.group && node.group !== 'root') return node.group;
  return SERIAL_GROUP_BY_PREFERENCE.find((g) => systemGroups.includes(g)) ?? 'dialout';
}

export function permissionFix(os: HostOs, node: DeviceNodeFact | undefined, user: UserFact | undefined, systemGroups: readonly string[]): string {
  const path = node?.path ?? 'the port';
  if (os === 'windows') return `Close every program that has ${path} open (Windows reports a busy port as "access denied").`;
  if (os === 'macos') return `macOS needs no group for serial ports: ${MACOS_PORT_NOTE}, and check that no other program has it open.`;
  const group = serialGroup(node, systemGroups);
  if (node?.group === 'root' || (node?.mode !== undefined && (node.mode & 0o060) === 0)) {
    // No group may open it: only a udev rule (or chmod until the next re-plug) helps.
    return `${path} is not readable by any group: add a udev rule, e.g. \`echo 'SUBSYSTEM=="tty", ATTRS{idVendor}=="303a|10c4|1a86|0403", GROUP="${group}", MODE="0660"' | sudo tee /etc/udev/rules.d/60-upyflash.rules && sudo udevadm control --reload-rules\`, join the group (\`sudo usermod -aG ${group} $USER\`) and re-plug the board.`;
  }
  if (user && user.accountGroups.includes(group) && !user.sessionGroups.includes(group)) {
    return `You are in the group "${group}" but this login session started before that: log out and back in (or run \`newgrp ${group}\`).`;
  }
  return `${path} belongs to the group "${group}": run \`sudo usermod -aG ${group} $USER\`, then log out and back in (or run \`newgrp ${group}\`).`;
}

export function busyFix(os: HostOs, node: DeviceNodeFact | undefined): string {
  const path = node?.path ?? 'the port';
  const holders = node?.holders ?? [];
  if (holders.length > 0) {
    const who = holders.map((h) => `${h.command} (pid ${h.pid})`).join(', ');
    const known = holders.map((h) => INTERFERERS[h.command]?.fix).find((f) => f !== undefined);
    return known ? `${path} is held by ${who}: ${known}.` : `Close ${who} — or stop it with \`kill ${holders.map((h) => h.pid).join(' ')}\` — and try again.`;
  }
  switch (os) {
    case 'linux':
      return `Close the program that has ${path} open (Thonny, Arduino IDE, screen, minicom, a serial monitor); \`fuser -v ${path}\` names it.`;
    case 'macos':
      return `Close the program that has ${path} open (Thonny, Arduino IDE, screen, a serial monitor); \`lsof ${path}\` names it.`;
    case 'windows':
      return `Close the program that has ${path} open (Thonny, uPyCraft, Arduino IDE, PuTTY, a serial monitor); Windows does not say which one.`;
  }
}

export function notFoundFix(path: string, ports: readonly PortInfo[]): string {
  const likely = ports.filter((p) => p.likelyEsp).map((p) => p.path);
  if (likely.length > 0) return `${path} is not there now; the board is on ${likely.join(' or ')} — pass that with --port (native-USB boards change port after a reset).`;
  if (ports.length > 0) return `${path} is not there; the serial ports now are ${ports.map((p) => p.path).join(', ')} (see \`upyflash ports\`).`;
  return `${path} is not there and no serial port is: re-plug the board with a data USB cable and run \`upyflash doctor\`.`;
}

/** Advice for the connect failures, specialised for boards on the chip's own USB (no reset circuit). */
export function connectFix(kind: 'NO_SERIAL_DATA' | 'WRONG_BOOT_MODE' | 'NO_SYNC_REPLY' | 'BAUD_FAILED' | 'SECURE_DOWNLOAD_MODE', port?: PortInfo): string {
  const native = port?.bridge?.nativeUsb === true;
  switch (kind) {
    case 'NO_SERIAL_DATA':
      return native
        ? `The board's own USB answers but its loader does not: ${NATIVE_BOOT_PROCEDURE}.`
        : port?.bridge
          ? `The ${port.bridge.name} works but nothing comes from the chip: check the board is powered and that this is its port, then ${BOOT_PROCEDURE}.`
          : `Wrong port, charge-only cable, missing driver or no power: check \`upyflash ports\`, try another cable and USB port, then ${BOOT_PROCEDURE}.`;
    case 'WRONG_BOOT_MODE':
      return native
        ? `The chip ran its firmware instead of the loader: ${NATIVE_BOOT_PROCEDURE}.`
        : `The reset circuit did not pull GPIO0 low: ${BOOT_PROCEDURE}.`;
    case 'NO_SYNC_REPLY':
      return "The chip waits for download but does not hear us: check the host's TX line to the board's RX (and the shared GND), try another cable, and try --baud 115200.";
    case 'BAUD_FAILED':
      return 'Run again with a lower --baud (460800, then 115200); long or poor USB cables and some bridges cannot keep up.';
    case 'SECURE_DOWNLOAD_MODE':
      return 'Secure Download Mode is burnt into the eFuses: only plain writes work, and `upyflash flash` makes them through the ROM loader by itself; reading, --erase, --backup and MD5 verify are not possible.';
  }
}
