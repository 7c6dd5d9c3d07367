import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ESPLoader, Transport } from 'esptool-js';
import { ESP32, ESP8266, type ChipSpec } from '../../src/chips/index.js';
import { md5, toHex } from '../../src/platform/hash.js';
import { SlipDecoder, slipEncode } from '../../src/protocol/slip.js';
import { defaultIdentity } from '../../src/virtual-board/chip-identity.js';
import { FlashMemory } from '../../src/virtual-board/flash-memory.js';
import { DownloadModeLoader } from '../../src/virtual-board/loader/loader.js';
import { loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';

/**
 * A second, independent reference client: Espressif's esptool-js (the npm package whose stub the
 * loader recognises) drives the virtual loader through a minimal Web Serial port object. It detects
 * the chip, uploads its stub, writes compressed and verifies by MD5, and reads flash back.
 */

interface FakePort {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  open(): Promise<void>;
  close(): Promise<void>;
  setSignals(): Promise<void>;
  /** esptool-js changes the rate in place when the port offers this (else it reopens the port). */
  setBaudRate(baud: number): Promise<void>;
  getInfo(): { usbVendorId?: number; usbProductId?: number };
}

function portFor(chip: ChipSpec, flash: FlashMemory): { port: FakePort; loader: DownloadModeLoader; bauds: number[] } {
  let toHost: ReadableStreamDefaultController<Uint8Array> | undefined;
  const bauds: number[] = [];
  const loader = new DownloadModeLoader({
    chip,
    flash,
    identity: defaultIdentity(chip, flash.size),
    stubImage: () => loadStubImage(chip),
    host: {
      send: (p) => toHost?.enqueue(slipEncode(p)),
      changeBaud: (b) => bauds.push(b),
      runUserCode: () => undefined,
      now: () => performance.now(),
      schedule: (ms, fn) => void setTimeout(fn, ms),
    },
  });
  const slip = new SlipDecoder();
  const makeReadable = () =>
    new ReadableStream<Uint8Array>({
      start: (c) => {
        toHost = c;
      },
    });
  const port: FakePort = {
    readable: makeReadable(),
    writable: new WritableStream<Uint8Array>({
      write: (chunk) => {
        for (const item of slip.push(chunk)) if (item.kind === 'frame') loader.receive(item.data);
      },
    }),
    open: async () => undefined,
    close: async () => undefined,
    setSignals: async () => undefined,
    setBaudRate: async () => undefined,
    getInfo: () => ({}),
  };
  return { port, loader, bauds };
}

const quiet = { clean: () => undefined, writeLine: () => undefined, write: () => undefined };

describe('esptool-js against the virtual loader', () => {
  for (const chip of [ESP32, ESP8266]) {
    it(`${chip.name}: detect, stub, baud change, compressed write + MD5 verify, read back`, async () => {
      const flash = new FlashMemory(4 << 20, { timing: false });
      const { port, loader, bauds } = portFor(chip, flash);
      const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
      const esp = new ESPLoader({ transport, baudrate: 460800, terminal: quiet, debugLogging: false });
      const name = await esp.main('no_reset');
      assert.match(name, new RegExp(chip.name.replace('-', '-?'), 'i'));
      assert.equal(loader.mode, 'stub');
      assert.deepEqual(bauds, [460800]);

      const image = Uint8Array.from(randomBytes(40_000), (b) => (b & 0x3f) + 0x20);
      const offset = 0x10000;
      await esp.writeFlash({
        fileArray: [{ data: image, address: offset }],
        flashSize: 'keep',
        flashMode: 'keep',
        flashFreq: 'keep',
        eraseAll: false,
        compress: true,
        // esptool-js compares this with the stub's MD5 and throws on a mismatch.
        calculateMD5Hash: (data: Uint8Array) => toHex(md5(data)),
      });
      assert.deepEqual(flash.read(offset, image.length), image);

      const back = await esp.readFlash(offset, 0x3000);
      assert.deepEqual(back, image.subarray(0, 0x3000));
      await transport.disconnect().catch(() => undefined);
    });
  }
});
