/**
 * Public library API for Node programs (`upyflash/node`): everything in the browser-safe index plus the
 * parts that need Node — opening serial, socket:// and rfc2217:// ports, listing ports, reading the
 * flasher stubs from esptool-js, zlib deflate, the firmware cache on disk, board-file backups and the
 * doctor's host checks.
 */
export * from './index.js';

export { openTransport, type OpenTransportOptions } from './transport/node/open.js';
export { SerialPortTransport, type SerialTransportOptions } from './transport/node/serial-port.js';
export { SocketTransport } from './transport/node/socket.js';
export { Rfc2217Transport, type Rfc2217Options } from './transport/node/rfc2217.js';
export { listPorts, findPortBySerial, type ListPortsOptions } from './ports/node/list.js';
export { followNativeUsb, type FollowOptions } from './transport/refinding-transport.js';

export { esptoolJsStub, loadStubImage, esptoolJsStubDir } from './stub/node/esptool-js-stubs.js';
export { nodeDeflate } from './platform/node/deflate.js';
export { loadBaudMemory } from './ports/node/baud-memory.js';

export { openCatalog, resolveFirmware, listFirmwareOnSite, type NodeCatalogOptions } from './firmware/node/resolve.js';
export { FsCatalogStore } from './firmware/node/fs-store.js';
export { defaultCacheDir } from './platform/node/cache-dir.js';

export { backupBoardFiles, restoreBoardFiles, defaultBackupDir, restoreInstructions, BACKUP_MANIFEST, type BackupResult } from './repl/node/keep-files.js';
export { LocalFolder } from './repl/node/local-folder.js';

export { gatherHostFacts, rootsFromEnv, type GatherOptions, type HostRoots } from './doctor/node/host-facts.js';
export { explainFailureOnThisHost } from './doctor/node/explain-failure.js';
export { CachedMipSource } from './mip/node/cached-source.js';
