import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webSerialTransport, type WebSerialPort } from '../../src/transport/web-serial.js';
import { isUpyflashError } from '../../src/errors.js';

/**
 * There is no browser here, so this is a stand-in for Chrome's SerialPort built on the same WHATWG
 * streams Node ships: it follows the Web Serial rules the transport relies on (streams exist only
 * while open, the rate is fixed per open, a lost device errors the readable and leaves it null).
 */
class StandInPort implements WebSerialPort {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  readonly opens: number[] = [];
  readonly signals: Array<{ dataTerminalReady?: boolean; requestToSend?: boolean }> = [];
  readonly written: number[] = [];
  private device: ReadableStreamDefaultController<Uint8Array> | undefined;

  async open(options: { baudRate: number }): Promise<void> {
    if (this.readable) throw new Error('The port is already open.');
    this.opens.push(options.baudRate);
    this.readable = new ReadableStream<Uint8Array>({ start: (c) => void (this.device = c) });
    this.writable = new WritableStream<Uint8Array>({ write: (chunk) => void this.written.push(...chunk) });
  }

  async close(): Promise<void> {
    if (this.readable?.locked || this.writable?.locked) throw new Error('Cannot close a locked stream');
    this.readable = null;
    this.writable = null;
  }

  async setSignals(s: { dataTerminalReady?: boolean; requestToSend?: boolean }): Promise<void> {
    if (!this.readable) throw new Error('The port is closed.');
    this.signals.push({ ...s });
  }

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return { usbVendorId: 0x303a, usbProductId: 0x1001 };
  }

  send(bytes: number[]): void {
    this.device!.enqueue(Uint8Array.from(bytes));
  }

  unplug(): void {
    this.device!.error(new Error('The device has been lost.'));
    this.readable = null;
    this.writable = null;
  }
}

test('web serial: bytes, both lines per call, baud change by reopening, unplug is DISCONNECTED', async () => {
  const port = new StandInPort();
  const t = webSerialTransport(port, 'Web Serial (303a:1001)', { baud: 115200 });
  await t.open();
  assert.deepEqual(port.opens, [115200]);
  assert.deepEqual(port.signals, [{ dataTerminalReady: false, requestToSend: false }]);

  await t.write(Uint8Array.of(0xc0, 0x00, 0xc0));
  await t.drain();
  assert.deepEqual(port.written, [0xc0, 0x00, 0xc0]);
  port.send([1, 2, 3]);
  assert.deepEqual([...(await t.read(5000))], [1, 2, 3]);

  await t.setSignals({ dtr: true, rts: false });
  assert.deepEqual(port.signals.at(-1), { dataTerminalReady: true, requestToSend: false });

  await t.setBaud(921600);
  assert.deepEqual(port.opens, [115200, 921600]);
  assert.equal(t.baud, 921600);
  // The lines are put back after the reopen.
  assert.deepEqual(port.signals.at(-1), { dataTerminalReady: true, requestToSend: false });
  port.send([4]);
  assert.deepEqual([...(await t.read(5000))], [4]);

  port.send([5, 6]);
  await t.read(5000).then((first) => assert.deepEqual([...first], [5, 6]));
  port.unplug();
  await assert.rejects(t.read(5000), (e: unknown) => isUpyflashError(e, 'DISCONNECTED') && /lost/.test(e.message));
});

test('web serial: close releases the streams so the port can be closed, and reads then fail', async () => {
  const port = new StandInPort();
  const t = webSerialTransport(port, 'Web Serial', { baud: 115200 });
  await t.open();
  await t.close();
  assert.equal(port.readable, null);
  await assert.rejects(t.read(10), (e: unknown) => isUpyflashError(e, 'DISCONNECTED'));
  await assert.rejects(t.write(Uint8Array.of(1)), (e: unknown) => isUpyflashError(e, 'DISCONNECTED'));
});
