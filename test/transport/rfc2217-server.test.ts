import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BoardEndpoint } from '../../src/transport/endpoint.js';
import { startSerialServer } from '../../src/transport/node/rfc2217-server.js';
import { ComPort, SERVER_OFFSET } from '../../src/transport/rfc2217-codec.js';
import { SerialPortMock } from 'serialport';
import { SerialPortTransport, type SerialPortLike } from '../../src/transport/node/serial-port.js';
import { transportEndpoint } from '../../src/transport/transport-endpoint.js';
import { PyserialLikeClient } from '../../harness/rfc2217-client.js';

/** An endpoint with modem input lines the test moves (CTS 0x10, DSR 0x20, RI 0x40, CD 0x80). */
function endpointWithModem(state: { lines: number }): BoardEndpoint {
  return {
    write: () => {},
    setSignals: () => {},
    setBaud: () => {},
    onData: () => {},
    close: () => {},
    modemState: () => state.lines,
  };
}

const modemNotices = (c: PyserialLikeClient) => c.replies.filter((r) => r.cmd === ComPort.NOTIFY_MODEMSTATE + SERVER_OFFSET).map((r) => r.payload[0]);

test('RFC 2217 NOTIFY_MODEMSTATE: sent once COM-PORT-OPTION is agreed, then on every change with its delta bits', async () => {
  const modem = { lines: 0x20 };
  const server = await startSerialServer({ signature: 'test', modemPollMs: 20, open: () => endpointWithModem(modem) });
  const c = await PyserialLikeClient.open(server.port);
  try {
    await c.until(() => modemNotices(c).length >= 1);
    assert.deepEqual(modemNotices(c), [0x20], 'DSR on, nothing changed yet');
    modem.lines = 0x30;
    await c.until(() => modemNotices(c).length >= 2);
    assert.equal(modemNotices(c)[1], 0x30 | 0x01, 'CTS came on: its state and its delta bit');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(modemNotices(c).length, 2, 'no notice without a change');
    // A client that polls (pyserial ?poll_modem) gets the current state.
    await c.comPort(ComPort.NOTIFY_MODEMSTATE, new Uint8Array(0));
    assert.equal(modemNotices(c).at(-1), 0x30);
  } finally {
    c.close();
    await server.close();
  }
});

test('a local serial port shared by the server: its modem lines (TIOCMGET) go out as NOTIFY_MODEMSTATE', async () => {
  const path = '/dev/upyflash-modem-mock';
  SerialPortMock.binding.createPort(path, { echo: true });
  const createPort = ({ path: p, baudRate }: { path: string; baudRate: number }) =>
    new SerialPortMock({ path: p, baudRate, autoOpen: false }) as unknown as SerialPortLike;
  const serial = new SerialPortTransport(path, 115200, { createPort });
  await serial.open();
  const endpoint = transportEndpoint(serial);
  // node-serialport's mock binding reports CTS on, DSR and DCD off.
  assert.equal(await endpoint.modemState?.(), 0x10);
  const server = await startSerialServer({ signature: 'test', open: () => endpoint });
  const c = await PyserialLikeClient.open(server.port);
  try {
    await c.until(() => modemNotices(c).length >= 1);
    assert.deepEqual(modemNotices(c), [0x10]);
  } finally {
    c.close();
    await server.close();
    SerialPortMock.binding.reset();
  }
});
