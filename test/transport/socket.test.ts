import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { SocketTransport } from '../../src/transport/node/socket.js';
import { isUpyflashError } from '../../src/errors.js';
import { readExactly } from '../../harness/collect.js';

async function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return { server, port: address.port };
}

test('socket transport carries bytes both ways, including 0xFF, unchanged', async () => {
  // The peer answers each byte with its complement, so an echo of our own bytes cannot pass.
  const { server, port } = await listen((s) => s.on('data', (d) => s.write(Buffer.from(d.map((b) => 255 - b)))));
  const t = new SocketTransport(`socket://127.0.0.1:${port}`, { host: '127.0.0.1', port }, 115200);
  await t.open();
  const payload = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
  await t.write(payload);
  await t.drain();
  const back = await readExactly(t, payload.length);
  assert.deepEqual([...back], [...payload].map((b) => 255 - b));
  await t.close();
  server.close();
});

test('socket transport has no control lines and only records the baud rate', async () => {
  const { server, port } = await listen(() => undefined);
  const t = new SocketTransport('s', { host: '127.0.0.1', port }, 115200);
  assert.deepEqual(t.capabilities, { controlLines: false, baudRate: false });
  await t.open();
  await t.setSignals({ dtr: true, rts: true });
  await t.setBaud(921600);
  assert.equal(t.baud, 921600);
  await t.close();
  server.close();
});

test('flushInput drops bytes received but not read', async () => {
  const { server, port } = await listen((s) => s.on('data', (d) => s.write(d)));
  const t = new SocketTransport('s', { host: '127.0.0.1', port }, 115200);
  await t.open();
  await t.write(Uint8Array.of(1, 2, 3));
  // Wait until the echo has certainly arrived by sending a marker after it and reading everything.
  assert.deepEqual([...(await readExactly(t, 3))], [1, 2, 3]);
  await t.write(Uint8Array.of(4, 5));
  await t.write(Uint8Array.of(6));
  assert.deepEqual([...(await readExactly(t, 3))], [4, 5, 6]);
  await t.flushInput();
  assert.equal((await t.read(20)).length, 0);
  await t.close();
  server.close();
});

test('server hanging up makes reads fail with DISCONNECTED', async () => {
  const { server, port } = await listen((s) => s.end(Buffer.from('bye')));
  const t = new SocketTransport('s', { host: '127.0.0.1', port }, 115200);
  await t.open();
  assert.deepEqual(Buffer.from(await readExactly(t, 3)).toString(), 'bye');
  await assert.rejects(
    async () => {
      for (;;) await t.read(5000);
    },
    (e: unknown) => isUpyflashError(e, 'DISCONNECTED'),
  );
  await assert.rejects(t.write(Uint8Array.of(1)), (e: unknown) => isUpyflashError(e, 'DISCONNECTED'));
  server.close();
});

test('connection refused is PORT_NOT_FOUND with a hint', async () => {
  const { server, port } = await listen(() => undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const t = new SocketTransport('s', { host: '127.0.0.1', port }, 115200);
  await assert.rejects(t.open(), (e: unknown) => isUpyflashError(e, 'PORT_NOT_FOUND') && /Nothing listens/.test(e.message));
});
