/**
 * The reference client for the bench: Espressif's esptool-js flashing the bench image onto a virtual
 * board in another process, over rfc2217 through bench/rfc2217-serial-port.ts, so it crosses the same
 * modeled wire (10 bits/byte each way at the current baud) and the same flash timing as upyflash.
 * esptool-js does everything itself: classic reset, sync, chip description, stub upload, baud change,
 * compressed write (it has no skip-unchanged: a reflash writes everything again), MD5 verify, and its
 * hard reset. Our md5 only computes the host-side digest that esptool-js compares with the stub's.
 */
import { ESPLoader, Transport } from 'esptool-js';
import { md5, toHex } from '../src/platform/hash.js';
import type { TcpAddress } from '../src/transport/node/tcp-link.js';
import { Rfc2217SerialPort } from './rfc2217-serial-port.js';

export interface EsptoolJsJob {
  /** The whole job as a user waits for it: open, reset + connect + stub + baud change, write + verify, hard reset. */
  wallSeconds: number;
  /** esptool-js main(): open, reset, sync, chip description, stub upload, baud change, flash id. */
  connectSeconds: number;
  /** writeFlash(): deflate on the host, FLASH_DEFL_* blocks, then SPI_FLASH_MD5 against our MD5. */
  writeSeconds: number;
  /** after('hard_reset'). */
  resetSeconds: number;
  /** Transport.disconnect() (not in wall; esptool-js polls for unlocked streams every 400 ms there). */
  closeSeconds: number;
  /** Every byte esptool-js put on the wire host->chip (SLIP framed), all phases. */
  wireBytes: number;
  chipName: string;
}

export interface EsptoolJsOptions {
  baud: number;
  /** Where the image goes (0x1000 for an ESP32 MicroPython image). */
  offset: number;
  romBaud?: number;
}

/** esptool-js 0.7.0 prints "Serial port done" / "readLoop exited" through trace() even with tracing off. */
class QuietTransport extends Transport {
  override trace(message: string): void {
    if (this.tracing) super.trace(message);
  }
}

const quietTerminal = { clean: () => undefined, writeLine: () => undefined, write: () => undefined };

export async function flashWithEsptoolJs(address: TcpAddress, image: Uint8Array, opts: EsptoolJsOptions): Promise<EsptoolJsJob> {
  const port = new Rfc2217SerialPort(address);
  // esptool-js types its port as the DOM SerialPort; ours has the members it uses.
  const transport = new QuietTransport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
  const esp = new ESPLoader({
    transport,
    baudrate: opts.baud,
    romBaudrate: opts.romBaud ?? 115200,
    terminal: quietTerminal,
    debugLogging: false,
  });
  const t0 = performance.now();
  try {
    const chipName = await esp.main('default_reset');
    const t1 = performance.now();
    await esp.writeFlash({
      fileArray: [{ data: image, address: opts.offset }],
      flashSize: 'keep',
      flashMode: 'keep',
      flashFreq: 'keep',
      eraseAll: false,
      compress: true,
      // esptool-js throws "MD5 of file does not match data in flash!" when the stub's digest differs.
      calculateMD5Hash: (data: Uint8Array) => toHex(md5(data)),
    });
    const t2 = performance.now();
    await esp.after('hard_reset');
    const t3 = performance.now();
    return {
      wallSeconds: (t3 - t0) / 1000,
      connectSeconds: (t1 - t0) / 1000,
      writeSeconds: (t2 - t1) / 1000,
      resetSeconds: (t3 - t2) / 1000,
      closeSeconds: await timed(() => transport.disconnect()),
      wireBytes: port.bytesOut,
      chipName,
    };
  } finally {
    await port.close().catch(() => undefined);
  }
}

async function timed(job: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await job().catch(() => undefined);
  return (performance.now() - t) / 1000;
}
