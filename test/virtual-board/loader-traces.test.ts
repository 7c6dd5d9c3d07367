import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESP32, ESP32C3, ESP8266, type ChipSpec } from '../../src/chips/index.js';
import { opName } from '../../src/protocol/opcodes.js';
import { dataPacket, encodeCommand, u32le } from '../../src/protocol/packet.js';
import { SlipDecoder } from '../../src/protocol/slip.js';
import { Op } from '../../src/protocol/opcodes.js';
import { toHex } from '../../src/platform/hash.js';
import { defaultIdentity, type ChipIdentity } from '../../src/virtual-board/chip-identity.js';
import { FlashMemory } from '../../src/virtual-board/flash-memory.js';
import { DownloadModeLoader } from '../../src/virtual-board/loader/loader.js';
import { loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { VirtualTimeHost } from '../../src/virtual-board/loader/virtual-time-host.js';
import { tracesDir } from '../../harness/paths.js';
import { OTHER_STUB_RECORDINGS } from '../../harness/recorded-trace.js';

/**
 * Replays every host frame of the recorded esptool sessions into the virtual loader and compares its
 * replies with what Espressif's ROM / stub answered, byte for byte. The virtual chip is given the
 * recorded chip's eFuses and flash part (blank eFuses, GigaDevice 0x1640C8) through ChipIdentity; the
 * only bytes normalised are the emulator artefacts named in the cases below.
 */

interface Step {
  host: Uint8Array;
  chip: Uint8Array[];
}

function readSteps(name: string): Step[] {
  const lines = readFileSync(join(tracesDir, `${name}.raw.jsonl`), 'utf8').split('\n').filter(Boolean);
  const hostDec = new SlipDecoder();
  const chipDec = new SlipDecoder();
  const steps: Step[] = [];
  for (const line of lines) {
    const rec = JSON.parse(line) as { dir: 'host' | 'chip'; hex: string };
    const bytes = Uint8Array.from(Buffer.from(rec.hex, 'hex'));
    if (rec.dir === 'host') {
      for (const item of hostDec.push(bytes)) if (item.kind === 'frame') steps.push({ host: item.data, chip: [] });
    } else {
      for (const item of chipDec.push(bytes)) if (item.kind === 'frame') steps[steps.length - 1]?.chip.push(item.data);
    }
  }
  return steps;
}

/**
 * The ESP32 in Espressif's QEMU: its UART divider and GigaDevice 4 MB flash. eFuses and the SPI user
 * registers differ between recorded sessions (the emulator kept running between them, so the ROM's
 * and the stub's last flash reads left USR/USR2 set): each case passes what its session shows. The
 * emulator has no clock calibration: CK8M_FREQ and TIMG0 RTCCALICFG1 read 0 (traces/README).
 */
function emulatedEsp32(registers: Record<number, number> = {}): ChipIdentity {
  return {
    ...defaultIdentity(ESP32, 4 << 20),
    flashJedecId: 0x1640c8,
    registers: { 0x3ff5a004: 0, 0x3ff5a008: 0, 0x3ff5a010: 0, 0x3ff5f06c: 0, 0x3ff40014: 0x15a, ...registers },
  };
}
/** eFuse MAC words of the emulated ESP32 in the stub sessions. */
const STUB_SESSION_MAC = { 0x3ff5a004: 0x00c40a24, 0x3ff5a008: 0x00fe1001 };
/** SPI_USER / SPI_USER2 as a previous session's flash reads left them. */
const AFTER_ROM_READS = { 0x3ff4201c: 0x50000000, 0x3ff42024: 0x70000003 };
const AFTER_STUB_START = { 0x3ff4201c: 0x80000000, 0x3ff42024: 0x40000000 };
const AFTER_STUB_READS = { 0x3ff4201c: 0xd0000000, 0x3ff42024: 0x70000003 };
/** UART_CLKDIV of the stub sessions that ran at 460800 baud (integer 86, fraction 12/16). */
const STUB_460800_CLKDIV = { 0x3ff40014: 0x00c00056 };

/** The emulated C3 reports a magic no real C3 has (traces/README) and eco 1 with one key purpose set. */
function emulatedEsp32c3(): ChipIdentity {
  return {
    ...defaultIdentity(ESP32C3, 4 << 20),
    flashJedecId: 0x1640c8,
    registers: { 0x40001000: 0x19f1506f, 0x60008844: 0, 0x60008848: 0, 0x60008850: 0x000c0000 },
    security: { keyPurposes: [0, 0, 0, 0, 0, 0, 0x0c], ecoVersion: 1 },
  };
}

/** The ESP8266 ROM dump in the third-party emulator: its OTP words and UART divider. */
function emulatedEsp8266(): ChipIdentity {
  return {
    ...defaultIdentity(ESP8266, 4 << 20),
    flashJedecId: 0x1640c8,
    registers: { 0x3ff00050: 0, 0x3ff00054: 0x02000000, 0x3ff00058: 0x5a00b000, 0x3ff0005c: 0x0418fe34, 0x60000014: 0x15d },
  };
}

/** ESP32 ROM status bytes 3 and 4 are reserved; the emulated ROM leaves stray bytes ("90") there. */
function zeroRomReserved(frame: Uint8Array): Uint8Array {
  if (frame[0] !== 0x01 || frame.length < 12) return frame;
  const out = frame.slice();
  out[out.length - 2] = 0;
  out[out.length - 1] = 0;
  return out;
}

interface Rig {
  loader: DownloadModeLoader;
  host: VirtualTimeHost;
  flash: FlashMemory;
}

function makeRig(chip: ChipSpec, identity: ChipIdentity, flash = new FlashMemory(4 << 20, { timing: false })): Rig {
  const host = new VirtualTimeHost();
  const loader = new DownloadModeLoader({ chip, flash, identity, host, stubImage: () => loadStubImage(chip) });
  return { loader, host, flash };
}

/** Brings the loader into stub mode the way esptool does (the stub traces start with it running). */
function uploadStub(rig: Rig, chip: ChipSpec): void {
  const stub = loadStubImage(chip);
  const send = (op: number, data: Uint8Array, chk = 0) => {
    rig.loader.receive(encodeCommand(op, data, chk));
    rig.host.runAll();
  };
  for (const [start, bytes] of [
    [stub.textStart, stub.text],
    [stub.dataStart, stub.data],
  ] as const) {
    const blocks = Math.ceil(bytes.length / 0x1800);
    send(Op.MEM_BEGIN, u32le(bytes.length, blocks, 0x1800, start));
    for (let i = 0; i < blocks; i++) {
      const p = dataPacket(i, bytes.subarray(i * 0x1800, (i + 1) * 0x1800));
      send(Op.MEM_DATA, p.data, p.checksum);
    }
  }
  send(Op.MEM_END, u32le(0, stub.entry));
  assert.equal(rig.loader.mode, 'stub');
  rig.host.take();
}

function replay(rig: Rig, name: string, normalize: (f: Uint8Array) => Uint8Array = (f) => f): void {
  const steps = readSteps(name);
  assert.ok(steps.length > 0, `${name}: no frames`);
  steps.forEach((step, i) => {
    rig.loader.receive(step.host);
    rig.host.runAll();
    const got = rig.host.take().map(toHex);
    const want = step.chip.map((f) => toHex(normalize(f)));
    const op = step.host[0] === 0 ? opName(step.host[1]!) : `raw ${step.host.length} bytes`;
    assert.deepEqual(got, want, `${name} step ${i} (${op}): replies differ`);
  });
}

const haveTraces = existsSync(join(tracesDir, 'README.md'));
const skip = haveTraces ? false : `shared/traces not found at ${tracesDir}`;

describe('trace replay: ESP32 ROM', { skip }, () => {
  it('chip id: SYNC x8, unsupported GET_SECURITY_INFO as 8 SYNC-header copies, magic, eFuses, SPI flash id', () => {
    replay(makeRig(ESP32, emulatedEsp32()), 'esp32-rom-chip-id');
  });
  it('flash id: SPI_ATTACH with two words, READ_ID through the SPI registers', () => {
    replay(makeRig(ESP32, emulatedEsp32()), 'esp32-rom-flash-id');
  });
  it('security info: the unsupported reply after READ_REG is one copy of its header', () => {
    replay(makeRig(ESP32, emulatedEsp32()), 'esp32-rom-security-info', zeroRomReserved);
  });
  it('write deflate, then verify on the same flash: MD5 as 32 hex characters', () => {
    const rig = makeRig(ESP32, emulatedEsp32());
    replay(rig, 'esp32-rom-write-deflate');
    const again = makeRig(ESP32, emulatedEsp32(AFTER_ROM_READS), rig.flash);
    replay(again, 'esp32-rom-verify', zeroRomReserved);
  });
});

describe('trace replay: ESP32 stub', { skip }, () => {
  it('stub upload, OHAI, CHANGE_BAUDRATE, FLASH_DEFL with 16 KiB blocks, raw MD5, FLASH_END(0) keeps the stub', () => {
    const rig = makeRig(ESP32, emulatedEsp32({ ...STUB_SESSION_MAC, ...AFTER_STUB_START }));
    replay(rig, 'esp32-stub-write-921600');
    assert.deepEqual(rig.host.bauds, [921600]);
    // esp-flasher-stub s_flash_end: reboot is a TODO; the next recorded sessions (esp32-stub-read-flash,
    // esp32-stub-erase-region) indeed found this stub still answering.
    assert.equal(rig.host.userCodeRuns, 0);
    assert.equal(rig.loader.mode, 'stub');
  });
  it('READ_FLASH streams packets, takes acknowledgements, ends with the MD5', () => {
    // The emulator's flash held what esp32-rom-write-deflate wrote.
    const writer = makeRig(ESP32, emulatedEsp32());
    replay(writer, 'esp32-rom-write-deflate');
    const rig = makeRig(ESP32, emulatedEsp32({ ...STUB_SESSION_MAC, ...AFTER_STUB_READS, ...STUB_460800_CLKDIV }), writer.flash);
    uploadStub(rig, ESP32);
    replay(rig, 'esp32-stub-read-flash');
  });
  it('ERASE_REGION through the stub', () => {
    const rig = makeRig(ESP32, emulatedEsp32({ ...STUB_SESSION_MAC, ...AFTER_STUB_READS, ...STUB_460800_CLKDIV }));
    rig.flash.program(0x20000, new Uint8Array(0x1000));
    uploadStub(rig, ESP32);
    replay(rig, 'esp32-stub-erase-region');
    assert.ok(rig.flash.read(0x20000, 0x1000).every((b) => b === 0xff));
  });
});

describe('trace replay: ESP32-C3 ROM', { skip }, () => {
  it('GET_SECURITY_INFO with chip id 5, eFuses, flash id', () => {
    replay(makeRig(ESP32C3, emulatedEsp32c3()), 'esp32c3-rom-chip-id');
  });
  it('FLASH_DEFL_BEGIN with five words, blocks, MD5', () => {
    replay(makeRig(ESP32C3, emulatedEsp32c3()), 'esp32c3-rom-write-deflate');
  });
});

describe('trace replay: ESP8266', { skip }, () => {
  it('ROM chip id: 2 status bytes, stale value field', () => {
    replay(makeRig(ESP8266, emulatedEsp8266()), 'esp8266-rom-chip-id');
  });
  it('ROM flash id: FLASH_BEGIN(0) instead of SPI_ATTACH, READ_ID with USR1 bit lengths', () => {
    replay(makeRig(ESP8266, emulatedEsp8266()), 'esp8266-rom-flash-id');
  });
  it('ROM write: FLASH_BEGIN with the erase-bug size, 1 KiB FLASH_DATA blocks', () => {
    const rig = makeRig(ESP8266, emulatedEsp8266());
    replay(rig, 'esp8266-rom-write');
    // FLASH_BEGIN(0x2000, 10 blocks, 0x400, 0x10000): the first block's bytes are at 0x10000.
    assert.deepEqual(rig.flash.read(0x10000, 4), Uint8Array.from([0x35, 0x6a, 0xa6, 0xc8]));
  });
  it('esptool-js stub: upload, OHAI, deflated write, raw MD5', () => {
    const rig = makeRig(ESP8266, emulatedEsp8266());
    replay(rig, 'esp8266-ejsstub-write');
  });
});

/**
 * Stubs other clients upload (recorded 2026-12-04 with Espressif's QEMU 7.2, blank eFuses): the board
 * recognises each by its upload digest (loader/stub-digests.ts) and answers in that family's manner.
 */
describe('trace replay: other clients\' stubs on the ESP32', { skip }, () => {
  for (const r of OTHER_STUB_RECORDINGS) {
    it(`${r.name}: the upload is recognised as ${r.stub}`, () => {
      const rig = makeRig(r.chip, emulatedEsp32());
      for (const step of readSteps(r.name)) {
        rig.loader.receive(step.host);
        rig.host.runAll();
        if (step.host[1] === 0x06) break;
      }
      const family = rig.loader.stubFamily?.name ?? 'none';
      assert.ok(r.stub.startsWith('legacy') ? family.startsWith('legacy') : family === 'esp-flasher-stub v1.0', family);
    });
  }
  it('esptool v4.8.1 legacy stub: upload, OHAI, four-word FLASH_DEFL_BEGIN, 16 KiB blocks, MD5, FLASH_END(0) reboots', () => {
    const rig = makeRig(ESP32, emulatedEsp32());
    replay(rig, 'esp32-legacystub-write');
    assert.equal(rig.host.userCodeRuns, 1, 'stub_flasher.c: FLASH_END(0) resets the chip');
  });
  it('esptool v4.8.1 legacy stub: READ_FLASH with 64 bytes in flight is one 4 KiB packet per acknowledgement', () => {
    const rig = makeRig(ESP32, emulatedEsp32());
    rig.flash.eraseAll();
    replay(rig, 'esp32-legacystub-read');
  });
  it('esptool v5.3.1 with esp-flasher-stub v1.0.0: uncompressed FLASH_DATA, FLASH_END(1), MD5, FLASH_END(0) keeps the stub', () => {
    // SPI_USER as this stub's flash attach leaves it (SPI_USER2 stays 0, unlike after the v1.2 stub).
    const rig = makeRig(ESP32, emulatedEsp32({ 0x3ff4201c: 0x80000000 }));
    replay(rig, 'esp32-flasherstub100-write');
    assert.equal(rig.host.userCodeRuns, 0);
    assert.equal(rig.loader.stubFamily?.name, 'esp-flasher-stub v1.0');
  });
});
