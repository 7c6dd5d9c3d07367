/**
 * Node-only: the one place that turns a --port value into an open Transport. Each kind is imported
 * on demand, so a serial user never loads the virtual board and the TCP code stays out of bundles
 * that do not need it.
 */
import type { VirtualBoardOptions } from '../../virtual-board/board.js';
import { formatTransportSpec, parseTransportSpec } from '../spec.js';
import type { Transport } from '../transport.js';

export { parseTransportSpec, formatTransportSpec, type TransportSpec } from '../spec.js';

export interface OpenTransportOptions {
  baud: number;
  /** Overrides for virtual: specs (tests use them for clocks, faults, timing). */
  virtual?: Partial<VirtualBoardOptions>;
}

/** Parses `spec`, opens the transport it names and returns it open (both control lines released). */
export async function openTransport(spec: string, opts: OpenTransportOptions): Promise<Transport> {
  const parsed = parseTransportSpec(spec);
  const name = formatTransportSpec(parsed);
  let transport: Transport;
  switch (parsed.kind) {
    case 'virtual': {
      const { openVirtualTransport } = await import('./virtual.js');
      return openVirtualTransport(parsed, opts);
    }
    case 'socket': {
      const { SocketTransport } = await import('./socket.js');
      transport = new SocketTransport(name, parsed, opts.baud);
      break;
    }
    case 'rfc2217': {
      const { Rfc2217Transport } = await import('./rfc2217.js');
      transport = new Rfc2217Transport(name, parsed, opts.baud, {
        ignoreSetControlAnswer: parsed.ignoreSetControlAnswer,
        ...(parsed.networkTimeoutMs !== undefined ? { networkTimeoutMs: parsed.networkTimeoutMs } : {}),
      });
      break;
    }
    case 'serial': {
      const { SerialPortTransport } = await import('./serial-port.js');
      transport = new SerialPortTransport(parsed.path, opts.baud);
      break;
    }
  }
  await transport.open();
  return transport;
}
