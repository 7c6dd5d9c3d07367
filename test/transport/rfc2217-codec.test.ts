import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAC, WILL, DO, SB, SE, BINARY, COM_PORT_OPTION, ComPort, Control, SERVER_OFFSET,
  TelnetDecoder, escapeIac, negotiation, comPortCommand, baudPayload, readBaudPayload,
  type TelnetEvent,
} from '../../src/transport/rfc2217-codec.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

/** Joins adjacent data events so tests compare meaning, not how the decoder split its output. */
function normalise(events: TelnetEvent[]): unknown[] {
  const out: unknown[] = [];
  for (const e of events) {
    const last = out[out.length - 1] as { type: string; data: number[] } | undefined;
    if (e.type === 'data' && last?.type === 'data') last.data.push(...e.data);
    else if (e.type === 'data') out.push({ type: 'data', data: [...e.data] });
    else if (e.type === 'subnegotiation') out.push({ type: e.type, option: e.option, data: [...e.data] });
    else out.push(e);
  }
  return out;
}

test('plain bytes pass through as data', () => {
  const d = new TelnetDecoder();
  assert.deepEqual(normalise(d.push(bytes(1, 2, 3))), [{ type: 'data', data: [1, 2, 3] }]);
});

test('IAC IAC becomes one 0xFF data byte', () => {
  const d = new TelnetDecoder();
  assert.deepEqual(normalise(d.push(bytes(0x10, IAC, IAC, 0x20))), [{ type: 'data', data: [0x10, 0xff, 0x20] }]);
});

test('negotiations and subnegotiations interleave with data in order', () => {
  const d = new TelnetDecoder();
  const stream = bytes(
    0x41, IAC, WILL, BINARY, 0x42,
    IAC, SB, COM_PORT_OPTION, ComPort.SET_CONTROL + SERVER_OFFSET, Control.DTR_ON, IAC, SE,
    0x43,
  );
  assert.deepEqual(normalise(d.push(stream)), [
    { type: 'data', data: [0x41] },
    { type: 'negotiation', command: WILL, option: BINARY },
    { type: 'data', data: [0x42] },
    { type: 'subnegotiation', option: COM_PORT_OPTION, data: [ComPort.SET_CONTROL + SERVER_OFFSET, Control.DTR_ON] },
    { type: 'data', data: [0x43] },
  ]);
});

test('sequences split at every possible byte give the same events', () => {
  const stream = bytes(
    1, IAC, IAC, 2, IAC, DO, COM_PORT_OPTION,
    ...comPortCommand(ComPort.SET_BAUDRATE, bytes(0, 0x0e, 0x10, 0xff)),
    IAC, IAC, 3,
  );
  const whole = normalise(new TelnetDecoder().push(stream));
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new TelnetDecoder();
    const events = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
    assert.deepEqual(normalise(events), whole, `cut at ${cut}`);
  }
  // One byte at a time, too.
  const d = new TelnetDecoder();
  const oneByOne = [...stream].flatMap((b) => d.push(bytes(b)));
  assert.deepEqual(normalise(oneByOne), whole);
  assert.deepEqual(whole, [
    { type: 'data', data: [1, 0xff, 2] },
    { type: 'negotiation', command: DO, option: COM_PORT_OPTION },
    { type: 'subnegotiation', option: COM_PORT_OPTION, data: [ComPort.SET_BAUDRATE, 0, 0x0e, 0x10, 0xff] },
    { type: 'data', data: [0xff, 3] },
  ]);
});

test('escapeIac doubles 0xFF and leaves other bytes alone', () => {
  assert.deepEqual([...escapeIac(bytes(1, 0xff, 2, 0xff, 0xff))], [1, 0xff, 0xff, 2, 0xff, 0xff, 0xff, 0xff]);
  const plain = bytes(1, 2, 3);
  assert.deepEqual([...escapeIac(plain)], [1, 2, 3]);
  // Round trip through the decoder.
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(normalise(new TelnetDecoder().push(escapeIac(all))), [{ type: 'data', data: [...all] }]);
});

test('negotiation builds IAC command option', () => {
  assert.deepEqual([...negotiation(WILL, COM_PORT_OPTION)], [255, 251, 44]);
});

test('comPortCommand frames and escapes the payload', () => {
  assert.deepEqual([...comPortCommand(ComPort.SET_CONTROL, bytes(Control.RTS_OFF))], [255, 250, 44, 5, 12, 255, 240]);
  assert.deepEqual(
    [...comPortCommand(ComPort.SET_BAUDRATE, baudPayload(115200))],
    [255, 250, 44, 1, 0x00, 0x01, 0xc2, 0x00, 255, 240],
  );
  // 0xFF inside the payload is doubled: 0x0000FFFF = 65535 baud.
  assert.deepEqual(
    [...comPortCommand(ComPort.SET_BAUDRATE, baudPayload(65535))],
    [255, 250, 44, 1, 0, 0, 255, 255, 255, 255, 255, 240],
  );
});

test('baud payload round-trips through the decoder', () => {
  const events = new TelnetDecoder().push(comPortCommand(ComPort.SET_BAUDRATE + SERVER_OFFSET, baudPayload(921600)));
  assert.equal(events.length, 1);
  const e = events[0]!;
  assert.equal(e.type, 'subnegotiation');
  if (e.type !== 'subnegotiation') return;
  assert.equal(e.data[0], ComPort.SET_BAUDRATE + SERVER_OFFSET);
  assert.equal(readBaudPayload(e.data.subarray(1)), 921600);
  assert.equal(readBaudPayload(bytes(1, 2)), undefined);
});
