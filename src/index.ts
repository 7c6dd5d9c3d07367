/**
 * Public library API, browser-safe: what the web page and any program import. Node-only parts
 * (serial ports, TCP transports, files, the esptool-js stub reader) are in `upyflash/node`
 * (src/node.ts), which re-exports all of this as well.
 */
export * from './errors.js';
export * from './progress.js';
export * from './chips/index.js';

// Wire protocol: SLIP, packets, typed commands, the request/response engine.
export * from './protocol/slip.js';
export * from './protocol/opcodes.js';
export * from './protocol/packet.js';
export * from './protocol/commands.js';
export * from './protocol/loader-link.js';

// Transports that run anywhere; the Transport interface is what the Node ones implement too.
export type { Transport, ControlLines, TransportCapabilities } from './transport/transport.js';
export { ByteQueue } from './transport/byte-queue.js';
export { webSerialTransport, type WebSerialPort } from './transport/web-serial.js';
export { endpointTransport, type EndpointTransportOptions } from './transport/endpoint-transport.js';
// What --port names (pure); opening it is Node's job (openTransport in upyflash/node).
export { parseTransportSpec, formatTransportSpec, type TransportSpec } from './transport/spec.js';

// Platform helpers the jobs take as parameters.
export { concatBytes } from './platform/bytes.js';
export { md5, sha256, toHex } from './platform/hash.js';
export { compressionStreamDeflate, type Deflate } from './platform/deflate.js';

// Firmware images.
export * from './image/index.js';

// The flasher: connect, then flash / verify / read / erase through the session.
export {
  connect,
  FlasherSession,
  STUB_BLOCKS_IN_FLIGHT,
  type SessionOptions,
  type FlashPlan,
  type TargetInfo,
  type FlashResult,
  type VerifyResult,
} from './flasher/session.js';
export { autoBaudFor, type AutoBaud, type BaudMemory } from './flasher/auto-baud.js';
export { CompressedRegions } from './flasher/compressed-cache.js';
export {
  runFlashJob,
  prepareFirmware,
  preparedFits,
  firmwareForTarget,
  type FlashJobInput,
  type FlashJobResult,
  type FirmwareChoice,
  type FirmwareResolver,
  type FirmwareResolverContext,
  type ResolvedImage,
  type PrepareOptions,
  type PreparedFirmware,
  type BootCheckChoice,
  type KeepFilesHook,
} from './flasher/flash-job.js';
export { flashMany, ManyFlasher, targetSink, type BoardResult, type FlashManyOptions, type ManyTarget, type TargetEvent, type TargetSink } from './flasher/flash-many.js';
export { SharedFirmware } from './flasher/shared-firmware.js';
export type { FlashPart } from './flasher/parts.js';
export { isStubFailure, type StubProvider } from './flasher/stub.js';
export { strategyByName, type BeforeMode, type AfterMode, type ResetStrategy, type ResetStrategyName } from './flasher/reset.js';
export type { Range } from './flasher/md5.js';
export type { PhaseStat } from './flasher/phase-meter.js';
export { parseStubJson, type StubImage, type StubJson } from './stub/stub-image.js';

// After flashing: MicroPython's REPL, board files, the boot check.
export * from './repl/index.js';

// The firmware catalog (micropython.org); Node's fetch + disk cache wiring is in upyflash/node.
export * from './firmware/index.js';

// Host and board diagnostics as data; gathering the host's facts is Node-only.
export * from './doctor/index.js';

// Port descriptions and USB bridge facts; listing the host's ports is Node-only.
export { choosePort, describePort, portLabel, type PortInfo } from './ports/port-info.js';
export { USB_BRIDGES, bridgeFor, driverAdvice, hostOs, isLikelyEsp, type UsbBridge, type HostOs } from './ports/usb-bridges.js';
export {
  BRIDGE_RATE_FACTS,
  ESP_CANDIDATE_BAUDS,
  bestBaudFor,
  bridgeRateFacts,
  bridgeRateFactsById,
  type BridgePartId,
  type BridgeRateFacts,
} from './ports/bridge-rates.js';

// Next steps on a running board: libraries from a package index (mip), Wi-Fi, first programs.
export * from './mip/index.js';
export * from './wifi/index.js';
export * from './examples/index.js';
