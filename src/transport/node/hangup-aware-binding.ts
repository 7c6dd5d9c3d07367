/**
 * Node-only: node-serialport's own binding with one fix for Linux and macOS. When a tty hangs up (the
 * USB adapter is pulled, or a pty's other end closes) read() returns 0 bytes for ever, and the
 * binding's read loop (bindings-cpp unixRead) answers 0 by reading again at once: the process spins
 * at full CPU, memory grows, and nobody is told the port went away. A 0-byte read on a non-blocking
 * tty only ever means a hang-up (no data is EAGAIN), so here it ends the read as a disconnect, which
 * node-serialport turns into its 'close' event.
 */
import { read as fsRead } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';

type Binding = typeof SerialPort.binding;

/** The binding as this wrapper sees it: AutoDetect's type is a union over the three platforms. */
interface OpenableBinding {
  list(): Promise<unknown>;
  open(options: unknown): Promise<{ read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }> }>;
}

/** The parts of the Unix port binding the read loop needs (bindings-cpp's LinuxPortBinding/DarwinPortBinding). */
interface UnixPortFields {
  readonly fd: number | null;
  readonly isOpen: boolean;
  readonly poller?: { once(event: 'readable', listener: (err?: Error | null) => void): unknown };
}

const readAsync = promisify(fsRead);

function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

async function hangupAwareRead(port: UnixPortFields, buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled();
    try {
      const { bytesRead } = await readAsync(port.fd, buffer, offset, length, null);
      if (bytesRead > 0) return { bytesRead, buffer };
      throw Object.assign(new Error('the serial port hung up'), { code: 'EHANGUP', disconnect: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
      if (!port.isOpen || !port.poller) throw canceled();
      const poller = port.poller;
      await new Promise<void>((resolve, reject) => poller.once('readable', (e) => (e ? reject(e) : resolve())));
    }
  }
}

/** The detected binding, with the read loop above on Unix ports (Windows ports are left as they are). */
export function hangupAwareBinding(detected: Binding = SerialPort.binding): Binding {
  const base = detected as unknown as OpenableBinding;
  const wrapped: OpenableBinding = {
    list: () => base.list(),
    async open(options: unknown) {
      const port = await base.open(options);
      const fields = port as unknown as UnixPortFields;
      if (typeof fields.fd === 'number' && fields.poller) {
        port.read = (buffer: Buffer, offset: number, length: number) => hangupAwareRead(fields, buffer, offset, length);
      }
      return port;
    },
  };
  return wrapped as unknown as Binding;
}
