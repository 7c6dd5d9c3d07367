import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Cleanup } from './cleanups.js';

/**
 * Starts `server` on a free port of 127.0.0.1 and returns the port. After the file's tests the
 * connections still open are destroyed (server.close would wait for them for ever) and it is closed.
 */
export async function listenLocal(server: Server, cleanup: (...cleanups: Cleanup[]) => void): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A port the OS just gave out on 127.0.0.1 and took back: free now, and very likely the next ones too. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}
