import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTransportSpec, parseTransportSpec } from '../../src/transport/spec.js';
import { isUpyflashError } from '../../src/errors.js';

test('serial device names pass through', () => {
  assert.deepEqual(parseTransportSpec('/dev/ttyUSB0'), { kind: 'serial', path: '/dev/ttyUSB0' });
  assert.deepEqual(parseTransportSpec('COM3'), { kind: 'serial', path: 'COM3' });
  assert.deepEqual(parseTransportSpec('  /dev/cu.usbserial-0001 '), { kind: 'serial', path: '/dev/cu.usbserial-0001' });
  assert.deepEqual(parseTransportSpec('\\\\.\\COM12'), { kind: 'serial', path: '\\\\.\\COM12' });
});

test('socket:// and rfc2217:// give host and port', () => {
  assert.deepEqual(parseTransportSpec('socket://127.0.0.1:5555'), { kind: 'socket', host: '127.0.0.1', port: 5555 });
  assert.deepEqual(parseTransportSpec('SOCKET://board.local:23'), { kind: 'socket', host: 'board.local', port: 23 });
  assert.deepEqual(parseTransportSpec('rfc2217://[::1]:4000'), { kind: 'rfc2217', host: '::1', port: 4000, ignoreSetControlAnswer: false });
  assert.deepEqual(parseTransportSpec('rfc2217://localhost:4000?ign_set_control&timeout=5'), {
    kind: 'rfc2217',
    host: 'localhost',
    port: 4000,
    ignoreSetControlAnswer: true,
    networkTimeoutMs: 5000,
  });
});

test('virtual: gives chip, flash file and boot mode', () => {
  assert.deepEqual(parseTransportSpec('virtual:esp32'), { kind: 'virtual', chip: 'esp32' });
  assert.deepEqual(parseTransportSpec('virtual:ESP32-S3'), { kind: 'virtual', chip: 'esp32s3' });
  assert.deepEqual(parseTransportSpec('virtual:esp8266?flash=/tmp/a%20b.bin&boot=download'), {
    kind: 'virtual',
    chip: 'esp8266',
    flashPath: '/tmp/a b.bin',
    bootMode: 'download',
  });
});

test('bad specs are BAD_ARGUMENT with the accepted forms in the hint', () => {
  for (const bad of [
    '',
    'socket://127.0.0.1',
    'socket://127.0.0.1:0',
    'socket://127.0.0.1:70000',
    'socket://:5555',
    'socket://h:1?x=1',
    'rfc2217://h:1?bogus',
    'tcp://127.0.0.1:5555',
    'virtual:',
    'virtual:esp99',
    'virtual:esp32?boot=sideways',
    'virtual:esp32?flash=',
    'virtual:esp32?colour=red',
  ]) {
    assert.throws(
      () => parseTransportSpec(bad),
      (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT') && /socket:\/\/HOST:PORT/.test(e.hint),
      bad,
    );
  }
});

test('formatTransportSpec gives the canonical name', () => {
  for (const [input, name] of [
    ['/dev/ttyACM0', '/dev/ttyACM0'],
    ['socket://127.0.0.1:5555', 'socket://127.0.0.1:5555'],
    ['rfc2217://[::1]:4000?ign_set_control', 'rfc2217://[::1]:4000'],
    ['virtual:ESP32?boot=download', 'virtual:esp32'],
  ] as const) {
    assert.equal(formatTransportSpec(parseTransportSpec(input)), name);
  }
});
