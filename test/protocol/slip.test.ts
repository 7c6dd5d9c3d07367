/**
 * SLIP framing against the bytes Espressif's ROMs and stub really sent (shared/traces, byte-exact):
 * escapes, frames split at every byte position, several frames in one read, bytes outside frames,
 * malformed escapes. The decoder is streaming, so every property is checked across read boundaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SLIP_END, SLIP_ESC, SlipDecoder, slipEncode, type SlipItem } from '../../src/protocol/slip.js';
import { readTraceChunks, readTraceFrameRecords, traceFrames } from '../../harness/recorded-trace.js';
import { tracesSkip } from '../../harness/paths.js';

const TRACES = [
  'esp32-rom-chip-id',
  'esp32-rom-flash-id',
  'esp32-rom-security-info',
  'esp32-rom-write-deflate',
  'esp32-rom-verify',
  'esp32-stub-write-921600',
  'esp32-stub-read-flash',
  'esp32-stub-erase-region',
  'esp32c3-rom-chip-id',
  'esp32c3-rom-write-deflate',
  'esp8266-rom-chip-id',
  'esp8266-rom-flash-id',
  'esp8266-rom-write',
  'esp8266-ejsstub-write',
];

const bytes = (...b: number[]) => Uint8Array.from(b);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const framesOf = (items: SlipItem[]) => items.filter((i) => i.kind === 'frame').map((i) => hex(i.data));
const noiseOf = (items: SlipItem[]) => items.filter((i) => i.kind === 'noise').map((i) => Buffer.from(i.data).toString('latin1'));

test('encode escapes C0 as DB DC and DB as DB DD, and wraps the packet in C0', () => {
  assert.deepEqual(slipEncode(bytes(0x01, 0xc0, 0x02, 0xdb, 0x03)), bytes(0xc0, 0x01, 0xdb, 0xdc, 0x02, 0xdb, 0xdd, 0x03, 0xc0));
  assert.deepEqual(slipEncode(bytes()), bytes(0xc0, 0xc0));
  // DB DC inside the data is two plain bytes that need escaping themselves only for the DB.
  assert.deepEqual(slipEncode(bytes(0xdb, 0xdc)), bytes(0xc0, 0xdb, 0xdd, 0xdc, 0xc0));
});

test('every host chunk esptool sent is exactly slipEncode of the frame inside it', { skip: tracesSkip }, () => {
  for (const name of TRACES) {
    const frames = traceFrames(name, 'host');
    const wire = Buffer.concat(readTraceChunks(name).filter((c) => c.dir === 'host').map((c) => c.bytes));
    // READ_FLASH acknowledgements are frames too, so the host side is nothing but encoded frames.
    assert.equal(hex(Buffer.concat(frames.map((f) => slipEncode(f)))), hex(wire), name);
  }
});

test('the chip side of every recording decodes to the frames listed in frames.jsonl', { skip: tracesSkip }, () => {
  for (const name of TRACES) {
    const decoder = new SlipDecoder();
    const frames: string[] = [];
    for (const c of readTraceChunks(name)) {
      if (c.dir !== 'chip') continue;
      const items = decoder.push(c.bytes);
      assert.deepEqual(noiseOf(items), [], `${name}: no bytes outside frames in a loader conversation`);
      frames.push(...framesOf(items));
    }
    assert.equal(decoder.badEscapes, 0, name);
    const listed = readTraceFrameRecords(name).filter((r) => r.dir === 'chip');
    assert.equal(frames.length, listed.length, name);
    listed.forEach((r, i) => {
      // frames.jsonl cuts long payloads to 200 bytes (len = full size).
      if (r.len !== undefined) assert.equal(frames[i]!.length / 2, r.len, `${name} frame ${i} length`);
      assert.ok(frames[i]!.startsWith(r.hex.replace(/\.\.\.$/, '')), `${name} frame ${i}`);
    });
  }
});

test('a frame split at every byte position decodes to the same frame, escapes included', { skip: tracesSkip }, () => {
  // The stub's MD5 reply and a READ_FLASH data packet hold C0/DB bytes that travel escaped.
  const samples = [...traceFrames('esp32-stub-read-flash', 'chip'), ...traceFrames('esp32-stub-write-921600', 'chip')].filter((f) =>
    f.some((b) => b === SLIP_END || b === SLIP_ESC),
  );
  assert.ok(samples.length > 0, 'the recordings contain frames with escaped bytes');
  const frame = samples.reduce((a, b) => (a.length <= b.length ? a : b));
  const wire = slipEncode(frame);
  for (let cut = 0; cut <= wire.length; cut++) {
    const d = new SlipDecoder();
    const items = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
    assert.deepEqual(framesOf(items), [hex(frame)], `cut at ${cut}`);
    assert.equal(d.badEscapes, 0);
  }
  const d = new SlipDecoder();
  const oneByOne = [...wire].flatMap((b) => d.push(bytes(b)));
  assert.deepEqual(framesOf(oneByOne), [hex(frame)]);
});

test('the recorded chip stream cut into 1..7-byte reads gives the same frames as the recorded chunks', { skip: tracesSkip }, () => {
  const name = 'esp32-stub-read-flash';
  const wire = Buffer.concat(readTraceChunks(name).filter((c) => c.dir === 'chip').map((c) => c.bytes));
  const want = traceFrames(name, 'chip').map(hex);
  for (let step = 1; step <= 7; step++) {
    const d = new SlipDecoder();
    const got: string[] = [];
    for (let at = 0; at < wire.length; at += step) got.push(...framesOf(d.push(wire.subarray(at, at + step))));
    assert.deepEqual(got, want, `reads of ${step} bytes`);
  }
});

test('several frames in one read: the ESP32 ROM sends its SYNC answers back to back', { skip: tracesSkip }, () => {
  const d = new SlipDecoder();
  let most: string[] = [];
  for (const c of readTraceChunks('esp32-rom-chip-id')) {
    if (c.dir !== 'chip') continue;
    const items = d.push(c.bytes);
    assert.deepEqual(noiseOf(items), []);
    if (framesOf(items).length > most.length) most = framesOf(items);
  }
  // One recorded read holds the end of an answer begun in the previous read plus six more (C0 ... C0 C0 ... C0).
  assert.ok(most.length >= 7, `largest read held ${most.length} frames`);
  assert.ok(most.every((f) => f.startsWith('01080400070712200')), 'all are SYNC answers');
});

test('bytes outside frames come out as noise, in order, between the frames', { skip: tracesSkip }, () => {
  const boot = 'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n';
  const sync = traceFrames('esp32-rom-chip-id', 'chip')[0]!;
  const d = new SlipDecoder();
  const wire = Buffer.concat([Buffer.from(boot, 'latin1'), slipEncode(sync), Buffer.from('\x00\xff junk', 'latin1'), slipEncode(sync)]);
  const items: SlipItem[] = [];
  // Split the boot text across reads too.
  items.push(...d.push(wire.subarray(0, 40)), ...d.push(wire.subarray(40)));
  assert.deepEqual(
    items.map((i) => i.kind),
    ['noise', 'noise', 'frame', 'noise', 'frame'],
  );
  assert.equal(noiseOf(items).join(''), boot + '\x00\xff junk');
  assert.deepEqual(framesOf(items), [hex(sync), hex(sync)]);
});

test('C0 C0 between frames makes no empty frame; an escape split across reads still decodes', () => {
  const d = new SlipDecoder();
  const items = [...d.push(bytes(0xc0, 0xc0, 0x01, 0xdb)), ...d.push(bytes(0xdc, 0x02, 0xc0, 0xc0, 0xc0, 0x03, 0xdb)), ...d.push(bytes(0xdd, 0xc0))];
  assert.deepEqual(framesOf(items), ['01c002', '03db']);
  assert.equal(d.badEscapes, 0);
});

test('a bad escape (DB followed by anything but DC/DD) keeps the byte and is counted', () => {
  const d = new SlipDecoder();
  const items = d.push(bytes(0xc0, 0x01, 0xdb, 0x41, 0x02, 0xc0));
  assert.deepEqual(framesOf(items), ['014102']);
  assert.equal(d.badEscapes, 1);
  // The decoder carries on with the next frame as normal.
  assert.deepEqual(framesOf(d.push(bytes(0xc0, 0x05, 0xc0))), ['05']);
});

test('reset() drops a half-received frame (after a reset or a baud change)', () => {
  const d = new SlipDecoder();
  assert.deepEqual(d.push(bytes(0xc0, 0x01, 0x02)), []);
  d.reset();
  // Without the reset, 0x03 would have been glued onto 01 02.
  const items = d.push(bytes(0x03, 0xc0, 0x04, 0xc0));
  assert.deepEqual(framesOf(items), ['04']);
  assert.deepEqual(noiseOf(items), ['\x03']);
});
