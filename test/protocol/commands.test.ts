/**
 * Our typed commands compared with what esptool sent to Espressif's ROMs and stub (shared/traces):
 * every recorded request is rebuilt through src/protocol/commands.ts with the dialect the chip spoke
 * at that moment and must encode to the very same bytes — word counts per dialect (FLASH_BEGIN and
 * FLASH_DEFL_BEGIN with 4 or 5 words, SPI_ATTACH with 1 or 2), data block headers and checksums.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHIPS, ESP32, ESP32C3, ESP8266 } from '../../src/chips/index.js';
import { STUB_DIALECT } from '../../src/chips/dialects.js';
import { commands, timeoutForSize, DEFAULT_TIMEOUT_MS } from '../../src/protocol/commands.js';
import { Op, opName } from '../../src/protocol/opcodes.js';
import { CHECKSUM_SEED, checksum, dataPacket, decodeCommand, decodeResponse, encodeCommand, encodeResponse, u32le } from '../../src/protocol/packet.js';
import { readU32 } from '../../src/platform/bytes.js';
import { esp8266EraseSize } from '../../src/flasher/write.js';
import { RECORDINGS, ourCommandFor, packetOf, recordedRequests, recording } from '../../harness/recorded-trace.js';
import { tracesSkip } from '../../harness/paths.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const requests = recordedRequests;

test('every request esptool sent in the recordings encodes identically through our typed commands', { skip: tracesSkip }, () => {
  const seen = new Set<string>();
  for (const r of RECORDINGS) {
    for (const { frame, dialect } of requests(r)) {
      const ours = packetOf(ourCommandFor(frame, dialect));
      assert.equal(hex(ours), hex(frame), `${r.name}: ${opName(frame[1]!)}`);
      seen.add(opName(frame[1]!));
    }
  }
  // The comparison covered the whole command set the flasher uses.
  for (const op of ['SYNC', 'READ_REG', 'WRITE_REG', 'SPI_ATTACH', 'SPI_SET_PARAMS', 'FLASH_BEGIN', 'FLASH_DATA', 'FLASH_END', 'FLASH_DEFL_BEGIN', 'FLASH_DEFL_DATA', 'FLASH_DEFL_END', 'MEM_BEGIN', 'MEM_DATA', 'MEM_END', 'CHANGE_BAUDRATE', 'SPI_FLASH_MD5', 'GET_SECURITY_INFO', 'ERASE_REGION', 'READ_FLASH']) {
    assert.ok(seen.has(op), `${op} appears in a recording`);
  }
});

function wordsOf(name: string, op: number): number[] {
  const rec = recording(name);
  return requests(rec)
    .filter((q) => q.frame[1] === op)
    .map((q) => decodeCommand(q.frame)!.data.length / 4);
}

test('FLASH_BEGIN / FLASH_DEFL_BEGIN: 4 words to the ESP32 and ESP8266 ROMs, 5 to newer ROMs and to the stub', { skip: tracesSkip }, () => {
  assert.deepEqual(wordsOf('esp32-rom-write-deflate', Op.FLASH_DEFL_BEGIN), [4]);
  assert.deepEqual(wordsOf('esp8266-rom-write', Op.FLASH_BEGIN), [4, 4]);
  assert.deepEqual(wordsOf('esp32c3-rom-write-deflate', Op.FLASH_DEFL_BEGIN), [5]);
  assert.deepEqual(wordsOf('esp32-stub-write-921600', Op.FLASH_DEFL_BEGIN), [5]);
  assert.deepEqual(wordsOf('esp8266-ejsstub-write', Op.FLASH_DEFL_BEGIN), [5]);
  // The chip data says the same for every chip, and the command follows the data.
  for (const chip of CHIPS) {
    for (const d of [chip.rom, chip.stub]) {
      assert.equal(commands.flashBegin(d, 0x1000, 1, 0x400, 0).data.length, d.flashBeginWords * 4, chip.id);
      assert.equal(commands.flashDeflBegin(d, 0x1000, 1, 0x400, 0).data.length, d.flashBeginWords * 4, chip.id);
    }
  }
  assert.equal(ESP32.rom.flashBeginWords, 4);
  assert.equal(ESP8266.rom.flashBeginWords, 4);
  assert.equal(ESP32C3.rom.flashBeginWords, 5);
  assert.equal(STUB_DIALECT.flashBeginWords, 5);
  // The 5th word is "not encrypted".
  assert.equal(readU32(commands.flashDeflBegin(STUB_DIALECT, 1, 1, 1, 1).data, 16), 0);
});

test('SPI_ATTACH: two words on ESP32-family ROMs, one on the stub; the ESP8266 ROM gets FLASH_BEGIN(0, 0, 0x400, 0) instead', { skip: tracesSkip }, () => {
  assert.deepEqual(wordsOf('esp32-rom-flash-id', Op.SPI_ATTACH), [2]);
  assert.deepEqual(wordsOf('esp32c3-rom-chip-id', Op.SPI_ATTACH), [2]);
  assert.equal(commands.spiAttach(ESP32.rom).data.length, 8);
  assert.equal(commands.spiAttach(ESP32C3.rom).data.length, 8);
  assert.equal(commands.spiAttach(STUB_DIALECT).data.length, 4);
  assert.equal(ESP8266.rom.spiAttachWords, 0);
  const stand = requests(recording('esp8266-rom-flash-id')).find((q) => q.frame[1] === Op.FLASH_BEGIN)!;
  assert.equal(hex(packetOf(commands.flashBegin(ESP8266.rom, 0, 0, ESP8266.rom.flashBlockSize, 0))), hex(stand.frame));
});

test('checksum: 0xEF XOR every data byte after the 16-byte header, in every recorded data block', { skip: tracesSkip }, () => {
  assert.equal(CHECKSUM_SEED, 0xef);
  assert.equal(checksum(new Uint8Array(0)), 0xef);
  assert.equal(checksum(Uint8Array.from([0xef])), 0x00);
  assert.equal(checksum(Uint8Array.from([0x01, 0x02, 0x04])), 0xef ^ 0x07);
  let blocks = 0;
  for (const r of RECORDINGS) {
    for (const { frame } of requests(r)) {
      const c = decodeCommand(frame)!;
      if (c.op === Op.FLASH_DATA || c.op === Op.FLASH_DEFL_DATA || c.op === Op.MEM_DATA) {
        const size = readU32(c.data, 0);
        assert.equal(c.data.length, 16 + size, 'size word = bytes after the header');
        assert.equal(readU32(c.data, 8), 0);
        assert.equal(readU32(c.data, 12), 0);
        assert.equal(c.checksum, checksum(c.data.subarray(16)), `${r.name} ${opName(c.op)} seq ${readU32(c.data, 4)}`);
        blocks++;
      } else {
        assert.equal(c.checksum, 0, `${r.name}: ${opName(c.op)} carries no checksum`);
      }
    }
  }
  assert.ok(blocks > 20, `${blocks} recorded data blocks checked`);
  // Our data header: size, sequence, two zero words.
  const p = dataPacket(7, Uint8Array.from([1, 2, 3]));
  assert.deepEqual([...p.data.subarray(0, 16)], [...u32le(3, 7, 0, 0)]);
  assert.equal(p.checksum, 0xef ^ 1 ^ 2 ^ 3);
});

test('sequence numbers count from 0 per BEGIN; ROM blocks are 1 KiB, stub blocks 16 KiB, RAM blocks 6 KiB', { skip: tracesSkip }, () => {
  const seqs = (name: string, op: number) =>
    requests(recording(name))
      .filter((q) => q.frame[1] === op)
      .map((q) => readU32(decodeCommand(q.frame)!.data, 4));
  assert.deepEqual(seqs('esp8266-rom-write', Op.FLASH_DATA), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(seqs('esp32-rom-write-deflate', Op.FLASH_DEFL_DATA), [0, 1, 2, 3, 4]);
  const begin = (name: string, op: number) => requests(recording(name)).find((q) => q.frame[1] === op)!;
  assert.equal(readU32(decodeCommand(begin('esp32-rom-write-deflate', Op.FLASH_DEFL_BEGIN).frame)!.data, 8), ESP32.rom.flashBlockSize);
  assert.equal(readU32(decodeCommand(begin('esp32-stub-write-921600', Op.FLASH_DEFL_BEGIN).frame)!.data, 8), STUB_DIALECT.flashBlockSize);
  assert.equal(readU32(decodeCommand(begin('esp32-stub-write-921600', Op.MEM_BEGIN).frame)!.data, 8), 0x1800);
});

test('sizes in BEGIN as the loaders expect them: ROM deflate rounded up to whole blocks, stub exact, ESP8266 erase workaround', { skip: tracesSkip }, () => {
  const begin = (name: string, op: number) => {
    const q = requests(recording(name)).filter((x) => x.frame[1] === op);
    return decodeCommand(q[q.length - 1]!.frame)!.data;
  };
  const md5Size = (name: string) => readU32(begin(name, Op.SPI_FLASH_MD5), 4);
  // The same 0x244C-byte file: the stub is told its size, the ESP32 and C3 ROMs whole 1 KiB blocks.
  assert.equal(readU32(begin('esp32-stub-write-921600', Op.FLASH_DEFL_BEGIN), 0), md5Size('esp32-stub-write-921600'));
  for (const name of ['esp32-rom-write-deflate', 'esp32c3-rom-write-deflate']) {
    const size = md5Size(name);
    assert.equal(readU32(begin(name, Op.FLASH_DEFL_BEGIN), 0), Math.ceil(size / 0x400) * 0x400, name);
    assert.equal(ESP32.rom.deflateSizeRoundedToBlocks && ESP32C3.rom.deflateSizeRoundedToBlocks, true);
  }
  assert.equal(STUB_DIALECT.deflateSizeRoundedToBlocks, false);
  // ESP8266 ROM: 10 KiB at 0x10000 is announced as 8 KiB (esptool's get_erase_size).
  const b = begin('esp8266-rom-write', Op.FLASH_BEGIN);
  const [erase, blocks, blockSize, offset] = [0, 1, 2, 3].map((i) => readU32(b, i * 4)) as [number, number, number, number];
  assert.equal(esp8266EraseSize(offset, blocks * blockSize), erase);
  assert.equal(erase, 0x2000);
});

test('CHANGE_BAUDRATE: the stub is sent (new, old); READ_FLASH: offset, length, packet size, packets in flight', { skip: tracesSkip }, () => {
  const stubBaud = requests(recording('esp32-stub-write-921600')).find((q) => q.frame[1] === Op.CHANGE_BAUDRATE)!;
  assert.equal(hex(packetOf(commands.changeBaud(921600, 115200))), hex(stubBaud.frame));
  const read = requests(recording('esp32-stub-read-flash')).find((q) => q.frame[1] === Op.READ_FLASH)!;
  assert.equal(hex(packetOf(commands.readFlash(0x10000, 0x2000))), hex(read.frame), 'default packet size 4096 and 64 in flight, as esptool');
});

test('timeouts scale with the work: MD5 8 s/MB, erase 40 s/MB, never below 3 s; chip erase 120 s; SYNC 0.1 s', () => {
  assert.equal(commands.sync().timeoutMs, 100);
  assert.equal(commands.readReg(0).timeoutMs, DEFAULT_TIMEOUT_MS);
  assert.equal(commands.md5(ESP32.rom, 0, 0x1000).timeoutMs, 3000);
  assert.equal(commands.md5(ESP32.rom, 0, 4_000_000).timeoutMs, 32_000);
  assert.equal(commands.flashBegin(ESP32.rom, 4_000_000, 0, 0x400, 0).timeoutMs, 160_000);
  assert.equal(commands.eraseRegion(0, 0x1000).timeoutMs, 3000);
  assert.equal(commands.eraseFlash().timeoutMs, 120_000);
  assert.equal(timeoutForSize(40, 100_000), 4000);
  // The stub takes the exact deflate size and erases as it goes: no size-scaled BEGIN timeout.
  assert.equal(commands.flashDeflBegin(STUB_DIALECT, 4_000_000, 1, 0x4000, 0).timeoutMs, DEFAULT_TIMEOUT_MS);
});

test('MD5 replies: 16 raw bytes from the stub, 32 hex characters from a ROM, before the status bytes', () => {
  assert.equal(commands.md5(STUB_DIALECT, 0, 1).replyDataLength, 16);
  assert.equal(commands.md5(ESP32.rom, 0, 1).replyDataLength, 32);
  assert.equal(commands.md5(ESP32C3.rom, 0, 1).replyDataLength, 32);
});

test('packet codec: request and response headers, direction byte checked', () => {
  const req = encodeCommand(Op.READ_REG, u32le(0x40001000));
  assert.equal(hex(req), '000a04000000000000100040');
  assert.equal(decodeResponse(req), undefined, 'a request is not a response');
  const resp = encodeResponse(Op.READ_REG, 0x00f01d83, Uint8Array.from([0, 0, 0, 0]));
  assert.equal(hex(resp), '010a0400831df00000000000');
  assert.equal(decodeCommand(resp), undefined, 'a response is not a request');
  assert.deepEqual(decodeResponse(resp), { op: Op.READ_REG, value: 0x00f01d83, body: Uint8Array.from([0, 0, 0, 0]) });
  assert.equal(decodeResponse(Uint8Array.from([1, 8, 0, 0])), undefined, 'too short');
});
