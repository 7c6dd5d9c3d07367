/**
 * LoaderLink against the chip's side of the recorded conversations (shared/traces, byte-exact chunks):
 * each recorded request is re-issued through our typed commands (the transport insists on esptool's
 * bytes) and the recorded reply must come out parsed right — 2 status bytes with a stale value on the
 * ESP8266 ROM, 4 with stray reserved bytes on the ESP32 ROM, the ROM's "unsupported" answer that reuses
 * the previous header (8 copies after SYNC, 1 after READ_REG), hex vs raw MD5, the stub's error byte
 * order, OHAI, and READ_FLASH data frames with their acknowledgements.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESP32, ESP8266 } from '../../src/chips/index.js';
import { STUB_DIALECT } from '../../src/chips/dialects.js';
import type { LoaderDialect } from '../../src/chips/types.js';
import { type UpyflashError, isUpyflashError } from '../../src/errors.js';
import { flashMd5 } from '../../src/flasher/md5.js';
import { readFlashRange } from '../../src/flasher/read.js';
import { toHex, md5 } from '../../src/platform/hash.js';
import { commands, type Command } from '../../src/protocol/commands.js';
import { LoaderLink, type Reply } from '../../src/protocol/loader-link.js';
import { Op, ROM_ERRORS, opName } from '../../src/protocol/opcodes.js';
import { decodeCommand, encodeResponse } from '../../src/protocol/packet.js';
import { readU32 } from '../../src/platform/bytes.js';
import { slipEncode } from '../../src/protocol/slip.js';
import { ReplayTransport, type TraceChunk, ourCommandFor, packetOf, readTraceFrameRecords, recordedRequests, recording } from '../../harness/recorded-trace.js';
import { tracesSkip } from '../../harness/paths.js';

type Outcome = { op: string; reply?: Reply; error?: UpyflashError; readData?: Uint8Array; greeting?: string };

/**
 * Replays one recording through a LoaderLink: our command for each recorded request, its reply (or
 * typed error) collected. READ_FLASH goes through the flasher's reader (it writes the acks itself);
 * MEM_END is followed by the stub's greeting frame.
 */
async function replay(name: string): Promise<{ outcomes: Outcome[]; transport: ReplayTransport; link: LoaderLink }> {
  const rec = recording(name);
  const transport = ReplayTransport.of(name);
  await transport.open();
  const link = new LoaderLink(transport, rec.stubFromStart ? rec.chip.stub : rec.chip.rom);
  const outcomes: Outcome[] = [];
  for (const { frame } of recordedRequests(rec)) {
    const c = ourCommandFor(frame, link.dialect!);
    const out: Outcome = { op: opName(c.op) };
    outcomes.push(out);
    if (c.op === Op.READ_FLASH) {
      out.readData = await readFlashRange(link, readU32(c.data, 0), readU32(c.data, 4));
      continue;
    }
    try {
      out.reply = await link.command(c);
    } catch (e) {
      if (!isUpyflashError(e)) throw e;
      out.error = e;
      continue;
    }
    if (c.op === Op.MEM_END) {
      const greeting = await link.readFrame(1000);
      out.greeting = greeting ? Buffer.from(greeting).toString('latin1') : '';
      link.dialect = rec.chip.stub;
    }
  }
  return { outcomes, transport, link };
}

const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

test('every recorded conversation replays: our requests are esptool\'s bytes, every reply parses', { skip: tracesSkip }, async () => {
  for (const name of ['esp32-rom-flash-id', 'esp32-rom-write-deflate', 'esp32-stub-erase-region', 'esp32c3-rom-write-deflate', 'esp8266-rom-flash-id', 'esp8266-rom-write']) {
    const { outcomes, transport } = await replay(name);
    assert.equal(transport.hostBytesLeft, 0, `${name}: the whole recording was replayed`);
    const failed = outcomes.filter((o) => o.error && o.op !== 'GET_SECURITY_INFO');
    assert.deepEqual(failed.map((o) => `${o.op}: ${o.error?.message}`), [], name);
  }
});

test('ESP32 ROM: GET_SECURITY_INFO answered with 8 copies of the SYNC header (1/5) -> UNSUPPORTED_COMMAND, and the next SYNC is clean', { skip: tracesSkip }, async () => {
  const { outcomes, transport } = await replay('esp32-rom-chip-id');
  assert.equal(transport.hostBytesLeft, 0);
  const [sync1, security, sync2, magic] = outcomes;
  assert.equal(sync1?.op, 'SYNC');
  assert.equal(sync1?.reply?.value, 0x20120707);
  assert.equal(security?.op, 'GET_SECURITY_INFO');
  assert.equal(security?.error?.kind, 'UNSUPPORTED_COMMAND');
  assert.equal(security?.error?.code, 'E021');
  // Had any of the eight copies (SYNC opcode, status 1) been left over, this SYNC would have failed.
  assert.equal(sync2?.op, 'SYNC');
  assert.equal(sync2?.reply?.status, 0);
  assert.equal(magic?.op, 'READ_REG');
  assert.equal(magic?.reply?.value, ESP32.magicValues[0]);
  assert.deepEqual(outcomes.filter((o) => o.error).map((o) => o.op), ['GET_SECURITY_INFO']);
});

test('ESP32 ROM: GET_SECURITY_INFO after READ_REG gets one copy of the READ_REG header -> UNSUPPORTED_COMMAND, nothing left over', { skip: tracesSkip }, async () => {
  const { outcomes, transport, link } = await replay('esp32-rom-security-info');
  assert.equal(transport.hostBytesLeft, 0);
  const last = outcomes[outcomes.length - 1]!;
  assert.equal(last.op, 'GET_SECURITY_INFO');
  assert.equal(last.error?.kind, 'UNSUPPORTED_COMMAND');
  assert.equal(transport.chipChunksUnread, 0);
  assert.equal(await link.readFrame(20), undefined, 'no stale copy waits for the next command');
  // Every READ_REG in between read the recorded value, whatever the reserved status bytes held (39 30).
  const values = readTraceFrameRecords('esp32-rom-security-info')
    .filter((r) => r.dir === 'chip' && r.op === 'READ_REG')
    .map((r) => Number(r.value));
  const got = outcomes.filter((o) => o.op === 'READ_REG').map((o) => o.reply!.value);
  assert.deepEqual(got, values.slice(0, got.length));
});

test('ESP32 ROM: 4 status bytes whose reserved half is not zero (39 30) still read as success', { skip: tracesSkip }, async () => {
  const { outcomes } = await replay('esp32-rom-verify');
  const syncReply = readTraceFrameRecords('esp32-rom-verify').find((r) => r.dir === 'chip')!;
  assert.ok(syncReply.hex.endsWith('00003930'), 'the recording has the stray bytes');
  for (const o of outcomes.filter((x) => !x.error)) {
    assert.equal(o.reply?.status, 0, o.op);
    assert.equal(o.reply?.error, 0, o.op);
  }
});

test('ESP8266 ROM: 2 status bytes; the value field of non-READ_REG replies is stale and is not taken as a result', { skip: tracesSkip }, async () => {
  const { outcomes, transport } = await replay('esp8266-rom-chip-id');
  assert.equal(transport.hostBytesLeft, 0);
  assert.equal(outcomes.find((o) => o.op === 'READ_REG')?.reply?.value, ESP8266.magicValues[0]);
  const begin = outcomes.find((o) => o.op === 'FLASH_BEGIN')!;
  assert.equal(begin.reply?.status, 0);
  assert.equal(begin.reply?.value, 0x0418fe34, 'what the previous READ_REG left there');
  assert.equal(begin.reply?.data.length, 0);
  const writes = outcomes.filter((o) => o.op === 'WRITE_REG');
  assert.ok(writes.length > 0 && writes.every((o) => o.reply?.status === 0));
  assert.deepEqual(outcomes.filter((o) => o.error), []);
});

test('ESP8266 ROM answers GET_SECURITY_INFO like the ESP32 ROM (SYNC header, 2 status bytes 1/5); the stub then says OHAI', { skip: tracesSkip }, async () => {
  const { outcomes, transport } = await replay('esp8266-ejsstub-write');
  assert.equal(transport.hostBytesLeft, 0);
  assert.equal(outcomes.find((o) => o.op === 'GET_SECURITY_INFO')?.error?.kind, 'UNSUPPORTED_COMMAND');
  assert.equal(outcomes.find((o) => o.op === 'MEM_END')?.greeting, 'OHAI');
  assert.equal(outcomes.filter((o) => o.error).length, 1);
});

test('SPI_FLASH_MD5: the ROM sends 32 hex characters, the stub 16 raw bytes, for the same flash contents', { skip: tracesSkip }, async () => {
  const rom = (await replay('esp32-rom-verify')).outcomes.find((o) => o.op === 'SPI_FLASH_MD5')!.reply!;
  const stub = (await replay('esp32-stub-write-921600')).outcomes.find((o) => o.op === 'SPI_FLASH_MD5')!.reply!;
  assert.equal(rom.data.length, 32);
  assert.match(text(rom.data), /^[0-9a-f]{32}$/);
  assert.equal(stub.data.length, 16);
  assert.equal(text(rom.data), toHex(stub.data), 'both recordings wrote the same file');
  // The flasher's reader gives the same string for both dialects.
  for (const [name, dialect] of [
    ['esp32-rom-verify', ESP32.rom],
    ['esp32-stub-write-921600', STUB_DIALECT],
  ] as const) {
    const md5Request = recordedRequests(recording(name)).find((q) => q.frame[1] === Op.SPI_FLASH_MD5)!;
    const c = decodeCommand(md5Request.frame)!;
    const t = new ReplayTransport(chunksFor(md5Request.frame, replyAfter(name, Op.SPI_FLASH_MD5)));
    await t.open();
    const link = new LoaderLink(t, dialect);
    assert.equal(await flashMd5(link, { offset: readU32(c.data, 0), length: readU32(c.data, 4) }), toHex(stub.data), name);
  }
});

test('stub upload: MEM_END acknowledged by the ROM, then OHAI; after it replies have 2 status bytes (CHANGE_BAUDRATE)', { skip: tracesSkip }, async () => {
  const { outcomes, transport } = await replay('esp32-stub-write-921600');
  assert.equal(transport.hostBytesLeft, 0);
  const memEnd = outcomes.findIndex((o) => o.op === 'MEM_END');
  assert.equal(outcomes[memEnd]?.greeting, 'OHAI');
  const baud = outcomes.find((o) => o.op === 'CHANGE_BAUDRATE')!;
  assert.equal(baud.reply?.status, 0);
  assert.ok(outcomes.findIndex((o) => o.op === 'CHANGE_BAUDRATE') > memEnd);
  assert.deepEqual(outcomes.filter((o) => o.error).map((o) => o.op), ['GET_SECURITY_INFO']);
});

test('stub: GET_SECURITY_INFO answered "ff 00" (error code first) -> UNSUPPORTED_COMMAND; READ_FLASH frames, acks and MD5', { skip: tracesSkip }, async () => {
  const { outcomes, transport } = await replay('esp32-stub-read-flash');
  // The transport compared every ack we wrote (total received so far) with esptool's.
  assert.equal(transport.hostBytesLeft, 0);
  const security = outcomes.filter((o) => o.op === 'GET_SECURITY_INFO');
  assert.equal(security.length, 2);
  assert.ok(security.every((o) => o.error?.kind === 'UNSUPPORTED_COMMAND'));
  const read = outcomes.find((o) => o.op === 'READ_FLASH')!;
  assert.equal(read.readData?.length, 0x2000);
  const digest = readTraceFrameRecords('esp32-stub-read-flash').find((r) => r.dir === 'chip' && r.hex.length === 32 && !r.op)!;
  assert.equal(toHex(md5(read.readData!)), digest.hex, 'the data matches the MD5 frame the stub sent');
});

test('ESP32-C3 ROM: GET_SECURITY_INFO is supported; its 20 bytes precede the 4 status bytes', { skip: tracesSkip }, async () => {
  const { outcomes } = await replay('esp32c3-rom-chip-id');
  const info = outcomes.find((o) => o.op === 'GET_SECURITY_INFO')!.reply!;
  assert.equal(info.data.length, 20);
  assert.equal(readU32(info.data, 12), 5, 'chip id 5 = ESP32-C3');
});

// --- Typed errors: replies the recordings do not contain, built with the same codec ---

function replyAfter(name: string, op: number): Uint8Array[] {
  const chip = readTraceFrameRecords(name).filter((r) => r.dir === 'chip' && r.op === opName(op));
  return chip.map((r) => Uint8Array.from(Buffer.from(r.hex, 'hex')));
}

function chunksFor(request: Uint8Array, replies: Uint8Array[]): TraceChunk[] {
  return [{ dir: 'host', bytes: slipEncode(request) }, ...replies.map((r) => ({ dir: 'chip' as const, bytes: slipEncode(r) }))];
}

async function answer(c: Command, dialect: LoaderDialect, body: number[], op = c.op, value = 0): Promise<Reply> {
  const t = new ReplayTransport(chunksFor(packetOf(c), [encodeResponse(op, value, Uint8Array.from(body))]));
  await t.open();
  return new LoaderLink(t, dialect).command(c);
}

test('ROM error codes become ROM_ERROR (E020) naming the failure; op, status and error byte, each named, are in the details', async () => {
  const block = commands.flashDeflData(0, Uint8Array.from([1, 2, 3]));
  for (const code of [0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]) {
    await assert.rejects(answer(block, ESP32.rom, [1, code, 0, 0]), (e: unknown) => {
      assert.ok(isUpyflashError(e, 'ROM_ERROR'), String(e));
      assert.equal(e.code, 'E020');
      assert.ok(e.message.includes(ROM_ERRORS[code]!), e.message);
      assert.ok(e.message.includes('FLASH_DEFL_DATA'));
      assert.deepEqual(e.details, { op: Op.FLASH_DEFL_DATA, opName: 'FLASH_DEFL_DATA', status: 1, error: code, errorName: ROM_ERRORS[code] });
      assert.ok(e.hint.length > 0);
      return true;
    });
  }
  // The ESP8266 ROM says the same with two status bytes.
  await assert.rejects(answer(commands.flashData(0, Uint8Array.from([1])), ESP8266.rom, [1, 0x07]), /invalid CRC/);
});

test('stub errors put the code first ("c1 00" = bad checksum); "c3 00" and "ff 00" mean unsupported', async () => {
  const block = commands.flashDeflData(0, Uint8Array.from([1, 2, 3]));
  await assert.rejects(answer(block, STUB_DIALECT, [0xc1, 0x00]), (e: unknown) => {
    assert.ok(isUpyflashError(e, 'ROM_ERROR'));
    assert.match(e.message, /bad data checksum \(0xc1\)/);
    return true;
  });
  await assert.rejects(answer(block, STUB_DIALECT, [0xc7, 0x00]), /inflate error/);
  for (const code of [0xc3, 0xff]) {
    await assert.rejects(answer(commands.securityInfo(), STUB_DIALECT, [code, 0x00]), (e: unknown) => isUpyflashError(e, 'UNSUPPORTED_COMMAND'));
  }
});

test('status 1 / error 5 on a reply with MY opcode is an invalid message, not "unsupported"', async () => {
  await assert.rejects(answer(commands.readReg(0x1234), ESP32.rom, [1, 5, 0, 0]), (e: unknown) => isUpyflashError(e, 'ROM_ERROR'));
  // ... with another opcode it is the ROM's unsupported answer.
  await assert.rejects(answer(commands.eraseFlash(), ESP32.rom, [1, 5, 0, 0], Op.READ_REG), (e: unknown) => isUpyflashError(e, 'UNSUPPORTED_COMMAND'));
});

test('a reply too short for its status bytes is PROTOCOL_ERROR; silence is TIMEOUT (E015)', async () => {
  await assert.rejects(answer(commands.md5(ESP32.rom, 0, 16), ESP32.rom, [0, 0]), (e: unknown) => isUpyflashError(e, 'PROTOCOL_ERROR'));
  const t = new ReplayTransport([{ dir: 'host', bytes: slipEncode(packetOf(commands.sync())) }]);
  await t.open();
  await assert.rejects(new LoaderLink(t, ESP32.rom).command(commands.sync()), (e: unknown) => {
    assert.ok(isUpyflashError(e, 'TIMEOUT'));
    assert.equal(e.code, 'E015');
    assert.match(e.message, /SYNC/);
    return true;
  });
});

test('stale replies to earlier commands are skipped until the reply with my opcode arrives', async () => {
  const c = commands.readReg(0x40001000);
  const stale = encodeResponse(Op.SYNC, 0x20120707, Uint8Array.from([0, 0, 0, 0]));
  const t = new ReplayTransport(chunksFor(packetOf(c), [stale, stale, encodeResponse(Op.READ_REG, 0x00f01d83, Uint8Array.from([0, 0, 0, 0]))]));
  await t.open();
  const r = await new LoaderLink(t, ESP32.rom).command(c);
  assert.equal(r.value, 0x00f01d83);
});
