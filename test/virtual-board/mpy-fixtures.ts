/**
 * Test fixtures for the MicroPython side: a minimal but valid ESP image whose data segment holds the
 * banner strings as real MicroPython binaries do (NUL-terminated literals), and an in-memory flash.
 */
import type { ChipId } from '../../src/chips/types.js';
import type { ChipSpec } from '../../src/chips/types.js';
import type { FlashView } from '../../src/virtual-board/app-runtime.js';
import type { ByteReader } from '../../src/repl/byte-reader.js';
import type { Transport } from '../../src/transport/transport.js';
import { Rfc2217Transport } from '../../src/transport/node/rfc2217.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { chipById } from '../../src/chips/index.js';
import { encodePartitionTable } from '../../src/image/partition-table.js';
import { loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { micropythonApp, type MicroPythonAppOptions } from '../../src/virtual-board/micropython/index.js';
import { startVirtualBoardServer, type VirtualBoardServer } from '../../src/virtual-board/node/server.js';

export function appImageWithStrings(chip: ChipSpec, strings: readonly string[]): Uint8Array {
  const text = new TextEncoder().encode('\0' + strings.map((s) => s + '\0').join(''));
  const data = new Uint8Array(Math.ceil(text.length / 4) * 4);
  data.set(text);
  const esp32 = chip.imageFormat === 'esp32';
  const hdrLen = esp32 ? 24 : 8;
  const end = hdrLen + 8 + data.length;
  const csPos = end + (15 - (end % 16));
  const out = new Uint8Array(csPos + 1);
  out[0] = 0xe9;
  out[1] = 1;
  out[2] = 2; // DIO
  out[3] = 0x20; // 4MB, 40 MHz
  new DataView(out.buffer).setUint32(4, 0x400805ac, true);
  if (esp32) {
    out[8] = 0xee;
    new DataView(out.buffer).setUint16(12, chip.imageChipId ?? 0, true);
  }
  new DataView(out.buffer).setUint32(hdrLen, 0x3f400020, true);
  new DataView(out.buffer).setUint32(hdrLen + 4, data.length, true);
  out.set(data, hdrLen + 8);
  let cs = 0xef;
  for (const b of data) cs ^= b;
  out[csPos] = cs;
  return out;
}

export function micropythonAppImage(chip: ChipSpec, version = '1.27.0', date = '2025-12-09'): Uint8Array {
  return appImageWithStrings(chip, [`MicroPython v${version} on ${date}`, `${chip.micropython.boardName} with ${chip.mcuName}`]);
}

/** Writes what a MicroPython .bin puts in flash: (ESP32 family) partition table at 0x8000 and the app. */
export function installApp(chip: ChipSpec, flash: FlashView, app: Uint8Array): void {
  if (chip.imageFormat === 'esp32') {
    flash.write(
      0x8000,
      encodePartitionTable([
        { label: 'nvs', type: 1, subtype: 2, offset: 0x9000, size: 0x6000 },
        { label: 'phy_init', type: 1, subtype: 1, offset: 0xf000, size: 0x1000 },
        { label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x1f0000 },
      ]),
    );
  }
  flash.write(chip.appOffset, app);
}

export class MemoryFlash implements FlashView {
  readonly bytes: Uint8Array;
  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size).fill(0xff);
  }
  read(offset: number, length: number): Uint8Array {
    return this.bytes.slice(offset, offset + length);
  }
  write(offset: number, data: Uint8Array): void {
    const start = offset - (offset % 4096);
    const end = Math.ceil((offset + data.length) / 4096) * 4096;
    this.bytes.fill(0xff, start, end);
    this.bytes.set(data, offset);
  }
  erase(): void {
    this.bytes.fill(0xff);
  }
}


export interface BoardOnTcp {
  board: VirtualBoard;
  server: VirtualBoardServer;
  /** For the CLI's --port. */
  url: string;
  /** A fresh RFC 2217 transport to the board (opened). */
  connect(): Promise<Transport>;
  /** Writes a .bin at the chip's bootloader offset as a flasher would (erasing the sectors it covers). */
  install(bin: Uint8Array): void;
  close(): Promise<void>;
}

/** A small MicroPython-like firmware (the real strings, random code) for fast tests. */
export function smallFirmware(chipId: ChipId, opts: { version?: string; buildDate?: string } = {}): Uint8Array {
  return buildSampleFirmware({ chip: chipById(chipId)!, appBytes: 160_000, ...opts });
}

export async function startBoardOnTcp(
  opts: { chip?: ChipId; firmware?: Uint8Array; app?: MicroPythonAppOptions; linkModel?: boolean } = {},
): Promise<BoardOnTcp> {
  const chipId = opts.chip ?? 'esp32';
  const chip = chipById(chipId)!;
  const board = new VirtualBoard({
    chip: chipId,
    app: micropythonApp(opts.app),
    linkModel: opts.linkModel ?? false,
    flashTiming: false,
    stubImage: loadStubImage(chip),
  });
  const install = (bin: Uint8Array): void => {
    const at = chip.bootloaderOffset;
    board.flash.eraseRange(at, Math.ceil(bin.length / 4096) * 4096);
    board.flash.program(at, bin);
    board.flash.flush();
  };
  if (opts.firmware) install(opts.firmware);
  board.powerOn();
  const server = await startVirtualBoardServer({ board });
  const url = `rfc2217://127.0.0.1:${server.port}`;
  const transports: Transport[] = [];
  return {
    board,
    server,
    url,
    install,
    async connect() {
      const t = new Rfc2217Transport(url, { host: '127.0.0.1', port: server.port }, 115200);
      await t.open();
      transports.push(t);
      return t;
    },
    async close() {
      for (const t of transports) await t.close().catch(() => undefined);
      await server.close();
      board.close();
    },
  };
}

/**
 * EN pulse through RTS with GPIO0 released: the board restarts and boots from flash. With a reader,
 * whatever an earlier boot printed that is still arriving is dropped while the chip is held in reset
 * (it can print nothing then), so the next read starts with this boot and not a stale prompt.
 */
export async function hardReset(t: Transport, r?: ByteReader): Promise<void> {
  await t.setSignals({ dtr: false, rts: true });
  await new Promise((res) => setTimeout(res, 100));
  if (r) {
    await r.drain(200, 2000);
    r.discard();
  }
  await t.setSignals({ dtr: false, rts: false });
}
