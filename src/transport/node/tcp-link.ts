/**
 * Node-only TCP plumbing shared by the socket:// and rfc2217:// transports: connecting with a
 * timeout and turning socket failures into our error kinds.
 */
import { connect, type Socket } from 'node:net';
import { UpyflashError } from '../../errors.js';

export interface TcpAddress {
  host: string;
  port: number;
}

export function connectTcp(address: TcpAddress, name: string, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new UpyflashError('PORT_NOT_FOUND', `No answer from ${address.host}:${address.port} (${name})`, {
          hint: 'Check the host and port, and that the serial server (ser2net, esp_rfc2217_server, upyflash virtual-board) is running and reachable.',
          details: { host: address.host, port: address.port },
        }),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // Small request/response packets: waiting to coalesce them only adds latency.
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(tcpConnectError(err, address, name));
    });
  });
}

function tcpConnectError(err: NodeJS.ErrnoException, address: TcpAddress, name: string): UpyflashError {
  const where = `${address.host}:${address.port}`;
  const details = { host: address.host, port: address.port, code: err.code };
  if (err.code === 'ECONNREFUSED') {
    return new UpyflashError('PORT_NOT_FOUND', `Nothing listens at ${where} (${name})`, {
      hint: 'Start the serial server first (ser2net, esp_rfc2217_server or `upyflash virtual-board`), or check the port number.',
      details,
      cause: err,
    });
  }
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new UpyflashError('PORT_NOT_FOUND', `Unknown host ${address.host} (${name})`, {
      hint: 'Check the host name in the port URL, or use an IP address.',
      details,
      cause: err,
    });
  }
  return new UpyflashError('PORT_NOT_FOUND', `Cannot connect to ${where} (${name}): ${err.message}`, {
    hint: 'Check the address and that the server is reachable from this machine.',
    details,
    cause: err,
  });
}

/** Resolves once the socket has handed the bytes to the OS; rejects with DISCONNECTED if it cannot. */
export function writeSocket(socket: Socket, data: Uint8Array, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed || !socket.writable) {
      reject(new UpyflashError('DISCONNECTED', `${name}: the connection is closed`));
      return;
    }
    socket.write(data, (err) => {
      if (err) reject(new UpyflashError('DISCONNECTED', `${name}: ${err.message}`, { cause: err }));
      else resolve();
    });
  });
}

/** Ends the connection politely (FIN after pending writes) and resolves once the socket has closed. */
export async function endSocket(socket: Socket | undefined): Promise<void> {
  if (!socket || socket.destroyed) return;
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
    socket.destroySoon();
  });
}

/** Socket chunks may share a pooled buffer; copy so that later socket reads cannot alter queued bytes. */
export function ownBytes(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk);
}
