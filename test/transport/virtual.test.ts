import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTransport } from '../../src/transport/node/open.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { SocketTransport } from '../../src/transport/node/socket.js';
import { isUpyflashError } from '../../src/errors.js';
import type { BoardEndpoint } from '../../src/transport/endpoint.js';
import type { ControlLines } from '../../src/transport/transport.js';
import { createServer } from 'node:net';
import { classicResetToDownload } from '../../harness/collect.js';

test('virtual:esp32 opens with lines released and enters download mode on the classic reset', async () => {
  const t = await openTransport('virtual:esp32', { baud: 115200, virtual: { linkModel: false, flashTiming: false } });
  assert.equal(t.name, 'virtual:esp32');
  assert.equal(t.capabilities.controlLines, true);
  const text = await classicResetToDownload(t);
  assert.match(text, /boot:0x3/);
  await t.close();
  await assert.rejects(t.read(10), (e: unknown) => isUpyflashError(e, 'DISCONNECTED'));
});

test('virtual:esp8266?boot=download&flash=FILE keeps the flash in the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-vt-'));
  const file = join(dir, 'flash.bin');
  const t = await openTransport(`virtual:esp8266?boot=download&flash=${encodeURIComponent(file)}`, {
    baud: 115200,
    virtual: { linkModel: false, flashTiming: false, flashBytes: 512 * 1024 },
  });
  await t.close();
  const flash = await readFile(file);
  assert.equal(flash.length, 512 * 1024);
  await rm(dir, { recursive: true, force: true });
});

test('openTransport picks socket:// by scheme and returns it open', async () => {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const t = await openTransport(`socket://127.0.0.1:${port}`, { baud: 115200 });
  assert.ok(t instanceof SocketTransport);
  await t.write(Uint8Array.of(1, 2));
  const got: number[] = [];
  while (got.length < 2) got.push(...(await t.read(5000)));
  assert.deepEqual(got, [1, 2]);
  await t.close();
  server.close();
});

test('openTransport reports a missing serial device as PORT_NOT_FOUND', async () => {
  await assert.rejects(openTransport('/dev/ttyUSB-upyflash-missing', { baud: 115200 }), (e: unknown) => isUpyflashError(e, 'PORT_NOT_FOUND'));
});

test('endpointTransport passes bytes, both lines and baud to any endpoint, and closes it once', async () => {
  const lines: ControlLines[] = [];
  const bauds: number[] = [];
  let listener: ((d: Uint8Array) => void) | undefined;
  let closed = 0;
  const endpoint: BoardEndpoint = {
    write: (d) => listener?.(d.map((b) => b ^ 0xff)),
    setSignals: (l) => lines.push({ ...l }),
    setBaud: (b) => bauds.push(b),
    onData: (fn) => (listener = fn),
    close: () => closed++,
  };
  let onCloseCalls = 0;
  const t = endpointTransport(endpoint, 'test endpoint', { baud: 74880, onClose: () => onCloseCalls++ });
  await t.open();
  await t.setSignals({ dtr: true, rts: false });
  await t.setBaud(460800);
  await t.write(Uint8Array.of(0x00, 0x0f));
  assert.deepEqual([...(await t.read(1000))], [0xff, 0xf0]);
  assert.deepEqual(lines, [{ dtr: false, rts: false }, { dtr: true, rts: false }]);
  assert.deepEqual(bauds, [74880, 460800]);
  assert.equal(t.baud, 460800);
  await t.close();
  await t.close();
  assert.equal(closed, 1);
  assert.equal(onCloseCalls, 1);
  await assert.rejects(t.write(Uint8Array.of(1)), (e: unknown) => isUpyflashError(e, 'DISCONNECTED'));
  await assert.rejects(t.open(), (e: unknown) => isUpyflashError(e, 'DISCONNECTED'));
});

test('the board side ending the link fails reads with DISCONNECTED', async () => {
  let ended: (() => void) | undefined;
  const endpoint: BoardEndpoint = {
    write: () => undefined,
    setSignals: () => undefined,
    setBaud: () => undefined,
    onData: () => undefined,
    close: () => undefined,
    onClose: (fn) => (ended = fn),
  };
  const t = endpointTransport(endpoint, 'ending endpoint');
  await t.open();
  ended?.();
  await assert.rejects(t.read(5000), (e: unknown) => isUpyflashError(e, 'DISCONNECTED') && /ended/.test(e.message));
});
