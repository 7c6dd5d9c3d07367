import type { BoardEndpoint } from './endpoint.js';
import type { ControlLines, ModemLines, Transport } from './transport.js';

/** RFC 2217's modem state byte: CTS 0x10, DSR 0x20, RI 0x40, CD 0x80. */
export function modemStateByte(l: ModemLines): number {
  return (l.cts ? 0x10 : 0) | (l.dsr ? 0x20 : 0) | (l.ri ? 0x40 : 0) | (l.cd ? 0x80 : 0);
}

/**
 * The other way round from endpoint-transport.ts: a host-side Transport (a local serial port, or any
 * port string upyflash opens) presented as the board's side of a UART, so that a serial server can
 * put it on the network. Bytes are pumped out of the transport as they arrive; writes, line changes
 * and rate changes are applied in the order they were asked for.
 */
export function transportEndpoint(transport: Transport, opts: { readSliceMs?: number } = {}): BoardEndpoint {
  const listeners: ((d: Uint8Array) => void)[] = [];
  const closers: (() => void)[] = [];
  let closed = false;
  /** One queue for everything sent to the port, so a rate change cannot overtake the bytes before it. */
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (op: () => Promise<void>): void => {
    queue = queue.then(op).catch(() => finish());
  };
  const finish = (): void => {
    if (closed) return;
    closed = true;
    void transport.close().catch(() => {});
    for (const c of closers.splice(0)) c();
  };
  const pump = async (): Promise<void> => {
    while (!closed) {
      let data: Uint8Array;
      try {
        data = await transport.read(opts.readSliceMs ?? 100);
      } catch {
        finish();
        return;
      }
      if (data.length && !closed) for (const l of listeners) l(data);
    }
  };
  void pump();
  const modemLines = transport.modemLines?.bind(transport);
  return {
    ...(modemLines ? { modemState: async () => modemStateByte(await modemLines()) } : {}),
    write: (data) => enqueue(() => transport.write(data)),
    setSignals: (lines: ControlLines) => enqueue(() => transport.setSignals({ ...lines })),
    setBaud: (baud) => {
      if (baud !== transport.baud) enqueue(() => transport.setBaud(baud));
    },
    onData: (l) => listeners.push(l),
    onClose: (l) => closers.push(l),
    close: () => {
      if (closed) return;
      closed = true;
      // What was queued (the last bytes, a final line change) still goes out before the port closes.
      void queue.then(() => transport.close()).catch(() => {});
    },
  };
}
