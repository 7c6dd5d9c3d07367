/**
 * USB chips that put an ESP board's UART on a host, as data: how to recognise them (VID:PID), what
 * to tell the user about drivers on each OS, and whether the "bridge" is the ESP chip's own USB
 * (which re-enumerates on reset and has no auto-reset transistors). Browser-safe.
 */

export type HostOs = 'windows' | 'macos' | 'linux';

export interface UsbBridge {
  readonly id: string;
  readonly name: string;
  readonly vid: number;
  readonly pids: readonly number[];
  /** The ESP chip's own USB peripheral rather than a separate USB-serial chip. */
  readonly nativeUsb: boolean;
  readonly drivers: Readonly<Record<HostOs, string>>;
}

const WCH_VCP = {
  windows: 'Windows 10/11 usually installs it by itself; otherwise install CH341SER from wch-ic.com.',
  macos: 'Built into macOS 10.14 and later; remove any old WCH driver (it conflicts with the built-in one).',
  linux: 'Built into the kernel (ch341). On Ubuntu 22.04 remove brltty, which grabs CH340 ports: sudo apt remove brltty.',
} as const;

const WCH_CDC = {
  windows: 'Windows 10/11 use the built-in USB serial (CDC) driver; on older Windows install CH343SER from wch-ic.com.',
  macos: 'Works with the built-in CDC driver (appears as /dev/cu.usbmodem*); older macOS needs the WCH CH34xVCP driver.',
  linux: 'Built into the kernel (cdc_acm); the port is /dev/ttyACM*.',
} as const;

const ESPRESSIF_CDC = {
  windows: 'No driver needed on Windows 10/11 (built-in USB serial driver).',
  macos: 'No driver needed (appears as /dev/cu.usbmodem*).',
  linux: 'No driver needed (cdc_acm); the port is /dev/ttyACM*.',
} as const;

export const ESPRESSIF_VID = 0x303a;

export const USB_BRIDGES: readonly UsbBridge[] = [
  {
    id: 'cp210x',
    name: 'Silicon Labs CP210x',
    vid: 0x10c4,
    pids: [0xea60, 0xea70],
    nativeUsb: false,
    drivers: {
      windows: 'Install the CP210x Universal Windows Driver (VCP) from Silicon Labs if Windows Update does not.',
      macos: 'Recent macOS includes a driver; if no /dev/cu.usbserial-* or /dev/cu.SLAB_USBtoUART appears, install the Silicon Labs VCP driver.',
      linux: 'Built into the kernel (cp210x).',
    },
  },
  { id: 'ch340', name: 'WCH CH340', vid: 0x1a86, pids: [0x7523], nativeUsb: false, drivers: WCH_VCP },
  { id: 'ch341', name: 'WCH CH341', vid: 0x1a86, pids: [0x5523], nativeUsb: false, drivers: WCH_VCP },
  { id: 'ch9102', name: 'WCH CH9102', vid: 0x1a86, pids: [0x55d4], nativeUsb: false, drivers: WCH_CDC },
  { id: 'ch343', name: 'WCH CH343', vid: 0x1a86, pids: [0x55d3], nativeUsb: false, drivers: WCH_CDC },
  {
    id: 'ftdi',
    name: 'FTDI FT232/FT2232/FT4232/FT-X',
    vid: 0x0403,
    pids: [0x6001, 0x6010, 0x6011, 0x6014, 0x6015],
    nativeUsb: false,
    drivers: {
      windows: 'Windows Update installs the FTDI VCP driver; otherwise get it from ftdichip.com.',
      macos: 'Built into macOS.',
      linux: 'Built into the kernel (ftdi_sio).',
    },
  },
  {
    id: 'esp-usb-serial-jtag',
    name: 'Espressif USB-Serial/JTAG (ESP32-C3/C6/S3/H2 built-in USB)',
    vid: ESPRESSIF_VID,
    pids: [0x1001],
    nativeUsb: true,
    drivers: ESPRESSIF_CDC,
  },
  {
    id: 'esp-usb-cdc',
    name: 'Espressif native USB CDC (ESP32-S2/S3 USB-OTG: ROM download mode or MicroPython/TinyUSB)',
    vid: ESPRESSIF_VID,
    pids: [0x0002, 0x4001],
    nativeUsb: true,
    drivers: ESPRESSIF_CDC,
  },
];

export function bridgeFor(vid: number, pid: number): UsbBridge | undefined {
  return USB_BRIDGES.find((b) => b.vid === vid && b.pids.includes(pid));
}

/** Any Espressif VID device is worth offering, even with a PID we do not list (custom TinyUSB builds). */
export function isLikelyEsp(vid: number | undefined, pid: number | undefined): boolean {
  if (vid === undefined) return false;
  return vid === ESPRESSIF_VID || (pid !== undefined && bridgeFor(vid, pid) !== undefined);
}

export function hostOs(platform: string): HostOs {
  return platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : 'linux';
}

/** One line per bridge, for `doctor` and the NO_PORTS error. */
export function driverAdvice(os: HostOs): string[] {
  return USB_BRIDGES.map((b) => `${b.name}: ${b.drivers[os]}`);
}
