import type { Transport } from '../../transport/transport.js';
import { UpyflashError } from '../../errors.js';

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

/** Shows the browser's port picker; undefined when the user closes it without choosing. */
export async function requestSerialTransport(): Promise<Transport | undefined> {
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

function transportFor(_port: unknown): Transport {
  // Wired to src/transport/web-serial.ts as soon as it lands.
  throw new UpyflashError('INTERNAL', 'This build of the page has no Web Serial transport yet');
}
