/**
 * socket://host:port — raw TCP to a serial server (ser2net in raw mode, a WiFi-serial bridge). No
 * control lines travel over it, and the baud rate is whatever the server side was set to.
 */
import type { Socket } from 'node:net';
import { UpyflashError } from '../../errors.js';
import { ByteQueue } from '../byte-queue.js';
import { connectTcp, endSocket, ownBytes, writeSocket, type TcpAddress } from './tcp-link.js';
import type { ControlLines, Transport, TransportCapabilities } from '../transport.js';

export class SocketTransport implements Transport {
  readonly capabilities: TransportCapabilities = { controlLines: false, baudRate: false };
  private socket: Socket | undefined;
  private readonly queue = new ByteQueue();
  private lastWrite: Promise<void> = Promise.resolve();
  private currentBaud: number;

  constructor(
    readonly name: string,
    private readonly address: TcpAddress,
    baud: number,
  ) {
    this.currentBaud = baud;
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    if (this.socket) return;
    this.queue.reset();
    const socket = await connectTcp(this.address, this.name);
    socket.on('data', (chunk: Buffer) => this.queue.push(ownBytes(chunk)));
    socket.on('error', () => undefined); // 'close' follows and reports it
    socket.on('close', () => {
      this.socket = undefined;
      this.queue.close(new UpyflashError('DISCONNECTED', `${this.name}: the server closed the connection`));
    });
    this.socket = socket;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.queue.close(new UpyflashError('DISCONNECTED', `${this.name} is closed`));
    await endSocket(socket);
  }

  write(data: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new UpyflashError('DISCONNECTED', `${this.name} is not open`));
    this.lastWrite = writeSocket(socket, data, this.name);
    return this.lastWrite;
  }

  read(timeoutMs: number): Promise<Uint8Array> {
    return this.queue.read(timeoutMs);
  }

  /** Nothing to drive: the capabilities tell callers that resets must be done by hand. */
  async setSignals(_lines: ControlLines): Promise<void> {}

  /** Recorded only, so callers can report it; the server's own setting decides the real speed. */
  async setBaud(baud: number): Promise<void> {
    this.currentBaud = baud;
  }

  async flushInput(): Promise<void> {
    this.queue.clear();
  }

  async drain(): Promise<void> {
    await this.lastWrite.catch(() => undefined);
  }
}
