import type { Transport } from '../../transport/transport.js';
import { UpyflashError } from '../../errors.js';
import type { BeforeMode } from '../../flasher/reset.js';
import { bridgeFor } from '../../ports/usb-bridges.js';
import { type AutoBaud, type BaudMemory, autoBaudFor } from '../../flasher/auto-baud.js';
import { webSerialTransport, type WebSerialPort } from '../../transport/web-serial.js';

/** The part of the Web Serial API the page touches (TypeScript's DOM types do not include it yet). */
interface SerialLike {
  requestPort(options?: { filters?: Array<{ usbVendorId?: number }> }): Promise<unknown>;
}

export function serialSupport(): { available: true } | { available: false; reason: string } {
  if (!window.isSecureContext) {
    return { available: false, reason: 'Web Serial needs a secure page: open it from http://127.0.0.1 (`upyflash ui`) or https.' };
  }
  if (!('serial' in navigator)) {
    return {
      available: false,
      reason: 'This browser has no Web Serial: use Chrome or Edge on a computer to flash a real board. The demo board works here.',
    };
  }
  return { available: true };
}

/** A port the user granted, and how to reset the board behind it into download mode. */
export interface PickedSerialPort {
  readonly transport: Transport;
  readonly before: BeforeMode;
  /** What --baud auto does on this port: the bridge's trusted rates, and what worked on it before. */
  readonly autoBaud: AutoBaud;
}

/** The ROM loader and MicroPython's REPL both start at this rate; the flasher raises it later. */
const OPEN_BAUD = 115200;

/** Shows the browser's port picker; undefined when the user closes it without choosing. */
export async function requestSerialTransport(): Promise<PickedSerialPort | undefined> {
  const serial = (navigator as Navigator & { serial?: SerialLike }).serial;
  if (!serial) throw new UpyflashError('NO_PORTS', 'This browser has no Web Serial');
  let port: unknown;
  try {
    // No vendor filter: boards use CP210x, CH340, FTDI, PL2303 or native USB, and a filter hides the rest.
    port = await serial.requestPort();
  } catch (e) {
    if (e instanceof DOMException && e.name === 'NotFoundError') return undefined;
    throw new UpyflashError('NO_PORTS', `The browser gave no serial port: ${(e as Error).message}`, { cause: e });
  }
  return transportFor(port);
}

function transportFor(granted: unknown): PickedSerialPort {
  const port = granted as WebSerialPort;
  const { usbVendorId: vid, usbProductId: pid } = port.getInfo();
  const bridge = vid !== undefined && pid !== undefined ? bridgeFor(vid, pid) : undefined;
  const ids = vid !== undefined && pid !== undefined ? ` (${hex4(vid)}:${hex4(pid)})` : '';
  const name = `${bridge?.name ?? 'USB serial port'}${ids}`;
  // The chip's own USB-Serial/JTAG has no reset transistors: it takes esptool's USB reset sequence.
  const before: BeforeMode = bridge?.id === 'esp-usb-serial-jtag' ? 'usb-reset' : 'default-reset';
  // Web Serial gives no USB product string, so a CP210x counts as the oldest part (921600).
  const autoBaud = autoBaudFor(bridge, undefined, browserBaudMemory());
  return { transport: webSerialTransport(port, name, { baud: OPEN_BAUD }), before, autoBaud };
}

const BAUD_MEMORY_KEY = 'upyflash.baud-rates';

/** --baud auto's memory in the browser: the rate that worked, per bridge part, in localStorage. */
function browserBaudMemory(): BaudMemory {
  const read = (): Record<string, number> => {
    try {
      const parsed: unknown = JSON.parse(localStorage.getItem(BAUD_MEMORY_KEY) ?? '{}');
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : {};
    } catch {
      return {};
    }
  };
  return {
    recall: (key) => {
      const b = read()[key];
      return typeof b === 'number' && Number.isInteger(b) ? b : undefined;
    },
    remember: async (key, baud) => {
      try {
        localStorage.setItem(BAUD_MEMORY_KEY, JSON.stringify({ ...read(), [key]: baud }));
      } catch {
        // Storage refused (private mode, quota): the next job only starts without the head start.
      }
    },
  };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
