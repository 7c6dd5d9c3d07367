import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { ESP32, ESP32C3, type ChipSpec } from '../../src/chips/index.js';
import { Op } from '../../src/protocol/opcodes.js';
import { dataPacket, decodeCommand, decodeResponse, encodeCommand, u32le } from '../../src/protocol/packet.js';
import { md5, toHex } from '../../src/platform/hash.js';
import { parseStubJson } from '../../src/stub/stub-image.js';
import { esptoolJsStubDir, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { defaultIdentity } from '../../src/virtual-board/chip-identity.js';
import { FlashMemory, SECTOR_SIZE, W25Q32JV_TYPICAL } from '../../src/virtual-board/flash-memory.js';
import { DownloadModeLoader, type RamCodeMode } from '../../src/virtual-board/loader/loader.js';
import { KNOWN_STUBS, uploadDigest } from '../../src/virtual-board/loader/stub-digests.js';
import { VirtualTimeHost } from '../../src/virtual-board/loader/virtual-time-host.js';
import { traceFrames } from '../../harness/recorded-trace.js';
import { tracesDir } from '../../harness/paths.js';

/**
 * Which Espressif stub a client uploaded decides how the virtual chip behaves afterwards
 * (loader/stub-families.ts): the esp-flasher-stub v1.2 that esptool-js ships, esptool v5.3's v1.0,
 * the legacy stub of esptool v4, or an unknown program. Driven through the loader's public API on
 * virtual time.
 */

class Rig {
  readonly host = new VirtualTimeHost();
  readonly flash: FlashMemory;
  readonly loader: DownloadModeLoader;

  constructor(
    readonly chip: ChipSpec,
    opts: { timing?: boolean; ramCode?: RamCodeMode } = {},
  ) {
    this.flash = new FlashMemory(4 << 20, opts.timing ? {} : { timing: false });
    this.loader = new DownloadModeLoader({
      chip,
      flash: this.flash,
      identity: defaultIdentity(chip, 4 << 20),
      host: this.host,
      ...(opts.ramCode ? { ramCode: opts.ramCode } : {}),
    });
  }

  raw(op: number, data: Uint8Array = new Uint8Array(0), chk = 0): Uint8Array[] {
    this.loader.receive(encodeCommand(op, data, chk));
    this.host.runAll();
    return this.host.take();
  }

  status(op: number, data?: Uint8Array, chk = 0): number[] {
    const out = this.raw(op, data, chk);
    assert.equal(out.length, 1, `one reply to 0x${op.toString(16)}`);
    const r = decodeResponse(out[0]!)!;
    return [...r.body.subarray(r.body.length - 2)];
  }

  /** Uploads segments as esptool does (0x1800-byte MEM_DATA blocks) and starts at `entry`. */
  upload(segments: readonly { address: number; bytes: Uint8Array }[], entry: number): Uint8Array[] {
    for (const { address, bytes } of segments) {
      const blocks = Math.ceil(bytes.length / 0x1800);
      this.raw(Op.MEM_BEGIN, u32le(bytes.length, blocks, 0x1800, address));
      for (let i = 0; i < blocks; i++) {
        const p = dataPacket(i, bytes.subarray(i * 0x1800, (i + 1) * 0x1800));
        this.raw(Op.MEM_DATA, p.data, p.checksum);
      }
    }
    return this.raw(Op.MEM_END, u32le(0, entry));
  }

  uploadEsptoolJsStub(): Uint8Array[] {
    const s = loadStubImage(this.chip);
    return this.upload(
      [
        { address: s.textStart, bytes: s.text },
        { address: s.dataStart, bytes: s.data },
      ],
      s.entry,
    );
  }

  /** The stub upload of a recorded session, frame for frame as that client sent it. */
  uploadFromTrace(trace: string): Uint8Array[] {
    for (const frame of traceFrames(trace, 'host')) {
      const op = decodeCommand(frame)?.op;
      if (op !== Op.MEM_BEGIN && op !== Op.MEM_DATA && op !== Op.MEM_END) continue;
      this.loader.receive(frame);
      this.host.runAll();
      if (op === Op.MEM_END) return this.host.take();
      this.host.take();
    }
    throw new Error(`${trace}: no MEM_END`);
  }

  /** Writes `image` at `offset` with 16 KiB deflated blocks, one in flight; returns the modeled time. */
  writeDeflated(image: Uint8Array, offset: number): number {
    const z = deflateSync(image);
    const blocks = Math.ceil(z.length / 0x4000);
    const t0 = this.host.now();
    assert.deepEqual(this.status(Op.FLASH_DEFL_BEGIN, u32le(image.length, blocks, 0x4000, offset, 0)), [0, 0]);
    for (let i = 0; i < blocks; i++) {
      const p = dataPacket(i, z.subarray(i * 0x4000, (i + 1) * 0x4000));
      assert.deepEqual(this.status(Op.FLASH_DEFL_DATA, p.data, p.checksum), [0, 0]);
    }
    // The MD5 the host asks for next waits until the last block is written.
    const digest = this.raw(Op.SPI_FLASH_MD5, u32le(offset, image.length, 0, 0));
    assert.equal(toHex(decodeResponse(digest[0]!)!.body.subarray(0, 16)), toHex(md5(image)));
    return this.host.now() - t0;
  }
}

const haveTraces = existsSync(join(tracesDir, 'README.md'));
const noTraces = haveTraces ? false : `shared/traces not found at ${tracesDir}`;

describe('stub recognition', () => {
  it('the digest table holds every stub of the installed esptool-js, as esp-flasher-stub v1.2', () => {
    const dir = esptoolJsStubDir();
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 6);
    for (const file of files) {
      const img = parseStubJson(JSON.parse(readFileSync(join(dir, file), 'utf8')), file);
      const segments = [{ address: img.textStart, bytes: img.text }, ...(img.data.length ? [{ address: img.dataStart, bytes: img.data }] : [])];
      const known = KNOWN_STUBS.find((k) => k.digest === uploadDigest(img.entry, segments));
      assert.ok(known, `${file} is in the table`);
      assert.equal(known.chip, file.replace(/\.json$/, ''));
      assert.equal(known.family.name, 'esp-flasher-stub v1.2');
    }
  });

  it('recognised without the client handing its stub image in', () => {
    const r = new Rig(ESP32);
    const out = r.uploadEsptoolJsStub();
    assert.equal(toHex(out[1]!), toHex(new TextEncoder().encode('OHAI')));
    assert.equal(r.loader.stubFamily?.name, 'esp-flasher-stub v1.2');
  });

  it('legacy and v1.0 uploads from the recorded esptool sessions are told apart', { skip: noTraces }, () => {
    const legacy = new Rig(ESP32);
    legacy.uploadFromTrace('esp32-legacystub-write');
    assert.match(legacy.loader.stubFamily?.name ?? '', /legacy/);
    const v10 = new Rig(ESP32);
    v10.uploadFromTrace('esp32-flasherstub100-write');
    assert.equal(v10.loader.stubFamily?.name, 'esp-flasher-stub v1.0');
  });

  it('an unknown program runs as a generic flasher stub, or as user code with ramCode "reboot"', () => {
    const program = [{ address: 0x40090000, bytes: Uint8Array.from(randomBytes(64)) }];
    const generic = new Rig(ESP32);
    const out = generic.upload(program, 0x40090000);
    assert.equal(out.length, 2, 'MEM_END reply and OHAI');
    assert.equal(generic.loader.mode, 'stub');
    assert.equal(generic.raw(Op.SYNC, new Uint8Array(36).fill(0x55).fill(0x07, 0, 2).fill(0x12, 2, 3).fill(0x20, 3, 4)).length, 8);
    const reboot = new Rig(ESP32, { ramCode: 'reboot' });
    assert.equal(reboot.upload(program, 0x40090000).length, 1);
    assert.equal(reboot.host.userCodeRuns, 1);
  });
});

describe('esp-flasher-stub v1.2 behaviour', () => {
  it('blank flash: erases skipped, the write costs page programs and sector reads only', () => {
    const image = Uint8Array.from(randomBytes(0x40000), (b) => 0x41 + (b & 0x0f));
    const pages = image.length / 256;
    const sectors = image.length / SECTOR_SIZE;
    const t = W25Q32JV_TYPICAL;
    const readMs = (sectors * SECTOR_SIZE * t.readMsPerKiB!) / 1024;

    const blank = new Rig(ESP32, { timing: true });
    blank.uploadEsptoolJsStub();
    const blankMs = blank.writeDeflated(image, 0x10000);
    // One block at a time on an instant link: the flash's own time is the floor, and no erase was run.
    assert.ok(blankMs >= pages * t.pageProgramMs + readMs - 1e-6, `${blankMs} ms`);
    assert.ok(blankMs < pages * t.pageProgramMs + readMs + t.sectorEraseMs, `${blankMs} ms: no erase at all`);

    // The same write over old data: the first sector is dirty, so everything is erased without reading.
    const dirty = new Rig(ESP32, { timing: true });
    dirty.flash.program(0x10000, new Uint8Array(0x40000));
    dirty.flash.takeCostMs();
    dirty.uploadEsptoolJsStub();
    const dirtyMs = dirty.writeDeflated(image, 0x10000);
    assert.ok(dirtyMs >= blankMs + 4 * t.block64kEraseMs - readMs, `dirty ${dirtyMs} ms vs blank ${blankMs} ms`);
    assert.deepEqual(dirty.flash.read(0x10000, image.length), image);
  });

  it('blank sectors before the first dirty one are skipped; that one and all after it are erased', () => {
    const r = new Rig(ESP32);
    r.uploadEsptoolJsStub();
    // 0x10000-0x12000 blank, 0x12000 dirty, 0x13000 blank again: the blank check stops at 0x12000,
    // so 0x13000 is erased too (its stray zero would otherwise survive the write).
    r.flash.program(0x12000, new Uint8Array(16));
    r.flash.program(0x13800, new Uint8Array(16));
    const image = Uint8Array.from(randomBytes(0x4000), (b) => b | 0x80);
    r.writeDeflated(image, 0x10000);
    assert.deepEqual(r.flash.read(0x10000, image.length), image);
  });

  it('a post-write error answers the next command, which is not run (accumulated_result)', () => {
    const r = new Rig(ESP32);
    r.uploadEsptoolJsStub();
    r.status(Op.FLASH_DEFL_BEGIN, u32le(0x8000, 2, 0x4000, 0, 0));
    const junk = dataPacket(0, Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff));
    assert.deepEqual(r.status(Op.FLASH_DEFL_DATA, junk.data, junk.checksum), [0, 0], 'acknowledged before inflating');
    r.flash.program(0x100000, new Uint8Array(4));
    assert.deepEqual(r.status(Op.ERASE_REGION, u32le(0x100000, 0x1000)), [0xc7, 0], 'the inflate error, on another command');
    assert.deepEqual([...r.flash.read(0x100000, 4)], [0, 0, 0, 0], 'the erase did not run');
    assert.deepEqual(r.status(Op.SPI_ATTACH, u32le(0)), [0, 0], 'reported once');
  });

  it('a third block sent while one is written and one waits is lost (no armed receive buffer)', () => {
    const r = new Rig(ESP32, { timing: true });
    r.uploadEsptoolJsStub();
    const image = Uint8Array.from(randomBytes(0x20000), (b) => 0x41 + (b & 0x0f));
    const z = deflateSync(image);
    r.status(Op.FLASH_DEFL_BEGIN, u32le(image.length, Math.ceil(z.length / 0x4000), 0x4000, 0x10000, 0));
    const frame = (i: number) => {
      const p = dataPacket(i, z.subarray(i * 0x4000, (i + 1) * 0x4000));
      return encodeCommand(Op.FLASH_DEFL_DATA, p.data, p.checksum);
    };
    // Block 0 is taken at once and being written; block 1 waits in the other buffer; block 2 has none.
    r.loader.receive(frame(0));
    r.loader.receive(frame(1));
    r.loader.receive(frame(2));
    r.host.runAll();
    assert.equal(r.host.take().length, 2, 'acknowledgements for blocks 0 and 1 only');
    assert.equal(r.loader.lostFrames, 1);
  });
});

describe('UART rate when the stub starts', () => {
  const readReg = (r: Rig, addr: number) => decodeResponse(r.raw(Op.READ_REG, u32le(addr))[0]!)!.value;
  const baudWord = (r: Rig) => readReg(r, 0x3ffe019c);
  /** What esptool asks the ESP32 ROM for (targets/esp32.py false_rom_baud), so that the UART runs at `baud`. */
  const esp32RomAsk = (r: Rig, baud: number) => {
    const romFreq = (((readReg(r, 0x3ff5f06c) >>> 7) & 0x1ffffff) * 15625 * (readReg(r, 0x3ff5a010) & 0xff)) / 40;
    return Math.floor((baud * romFreq) / 40e6);
  };

  it('ESP32: a ROM-first CHANGE_BAUDRATE is undone, the stub greets and listens at the recorded 115200', () => {
    const r = new Rig(ESP32);
    const sent: string[] = [];
    r.host.onSend = (p) => sent.push(`${toHex(p).slice(0, 8)}@${r.host.bauds.at(-1) ?? 115200}`);
    r.raw(Op.CHANGE_BAUDRATE, u32le(esp32RomAsk(r, 921600), 0));
    assert.equal(baudWord(r), 115200, 'the ROM does not update UartDev.baud_rate');
    sent.length = 0;
    r.uploadEsptoolJsStub();
    assert.deepEqual(r.host.bauds, [921600, 115200]);
    assert.equal(sent.at(-1), `4f484149@115200`, 'OHAI at the restored rate');
  });

  it('ESP32 with the legacy stub, and ESP32-C3 with v1.2: the ROM-first rate stays', { skip: noTraces }, () => {
    const legacy = new Rig(ESP32);
    legacy.raw(Op.CHANGE_BAUDRATE, u32le(esp32RomAsk(legacy, 921600), 0));
    legacy.uploadFromTrace('esp32-legacystub-write');
    assert.deepEqual(legacy.host.bauds, [921600]);
    const c3 = new Rig(ESP32C3);
    c3.raw(Op.CHANGE_BAUDRATE, u32le(921600, 0));
    c3.uploadEsptoolJsStub();
    assert.deepEqual(c3.host.bauds, [921600]);
  });

  it('a baud change through the stub is kept (what esptool and esptool-js do)', () => {
    const r = new Rig(ESP32);
    r.uploadEsptoolJsStub();
    assert.deepEqual(r.status(Op.CHANGE_BAUDRATE, u32le(921600, 115200)), [0, 0]);
    assert.deepEqual(r.host.bauds, [921600]);
  });
  it('a UART divides its clock by at least 16: the ROM (40 MHz) cannot run 3 Mbaud, the ESP32 stub (80 MHz) runs 4 Mbaud, the C3 stub (no clock boost) cannot', () => {
    const rom = new Rig(ESP32);
    rom.raw(Op.CHANGE_BAUDRATE, u32le(esp32RomAsk(rom, 3_000_000), 0));
    assert.deepEqual(rom.host.bauds, [2_500_000], 'the divider bottoms out at 40 MHz / 16');
    const esp32 = new Rig(ESP32);
    esp32.uploadEsptoolJsStub();
    assert.deepEqual(esp32.status(Op.CHANGE_BAUDRATE, u32le(4_000_000, 115200)), [0, 0]);
    assert.deepEqual(esp32.host.bauds, [4_000_000]);
    const c3 = new Rig(ESP32C3);
    c3.uploadEsptoolJsStub();
    c3.status(Op.CHANGE_BAUDRATE, u32le(3_000_000, 115200));
    assert.deepEqual(c3.host.bauds, [2_500_000]);
  });
});

describe('legacy stub behaviour (esptool v4)', { skip: noTraces }, () => {
  it('READ_FLASH counts max-in-flight in bytes: 0x200 with 0x100-byte packets is two packets at once', () => {
    const r = new Rig(ESP32);
    r.uploadFromTrace('esp32-legacystub-write');
    const first = r.raw(Op.READ_FLASH, u32le(0x3000, 0x1000, 0x100, 0x200));
    assert.equal(first.length, 3, 'reply + two packets');
  });

  it('unknown opcode: 0xFF "not implemented"; FLASH_END(0) and RUN_USER_CODE leave the stub', () => {
    const r = new Rig(ESP32);
    r.uploadFromTrace('esp32-legacystub-write');
    assert.deepEqual(r.status(0x77), [0xff, 0]);
    r.status(Op.FLASH_BEGIN, u32le(0, 0, 0x4000, 0));
    assert.deepEqual(r.status(Op.FLASH_END, u32le(0)), [0, 0]);
    assert.equal(r.host.userCodeRuns, 1);
  });

  it('a write error stays on every later data acknowledgement (fs.last_error), other commands run', () => {
    const r = new Rig(ESP32);
    r.uploadFromTrace('esp32-legacystub-write');
    r.status(Op.FLASH_DEFL_BEGIN, u32le(0x8000, 3, 0x4000, 0));
    const junk = dataPacket(0, Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff));
    assert.deepEqual(r.status(Op.FLASH_DEFL_DATA, junk.data, junk.checksum), [0, 0]);
    assert.deepEqual(r.status(Op.SPI_ATTACH, u32le(0)), [0, 0], 'not data: no error');
    const next = dataPacket(1, new Uint8Array(16));
    assert.deepEqual(r.status(Op.FLASH_DEFL_DATA, next.data, next.checksum), [0xc7, 0]);
    const third = dataPacket(2, new Uint8Array(16));
    assert.deepEqual(r.status(Op.FLASH_DEFL_DATA, third.data, third.checksum), [0xc7, 0], 'sticky');
  });
});
