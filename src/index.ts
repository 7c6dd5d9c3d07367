/** Public library API: what Node programs and the web page import. */
export * from './errors.js';
export * from './progress.js';
export * from './chips/index.js';
export * from './protocol/slip.js';
export * from './protocol/opcodes.js';
export * from './protocol/packet.js';
export * from './protocol/commands.js';
export * from './protocol/loader-link.js';
export type { Transport, ControlLines, TransportCapabilities } from './transport/transport.js';
export { ByteQueue } from './transport/byte-queue.js';
export { concatBytes } from './platform/bytes.js';
export * from './image/index.js';
