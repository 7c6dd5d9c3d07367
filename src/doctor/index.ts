/** The doctor: host checks as data, the board probe, and failure explanations. Browser-safe. */
export type { CheckStatus, DeviceNodeFact, DoctorCheck, Finding, HostFacts, PortHolderFact, UsbDeviceFact, UserFact } from './types.js';
export { HOST_CHECKS, runHostChecks } from './checks.js';
export { probeBoard, type BoardProbeOptions } from './board-probe.js';
export { explainFailure, failedPortPath } from './explain.js';
export { BOOT_PROCEDURE, CHARGE_ONLY_CABLE, INTERFERERS, LINUX_MODULE, connectFix, noBoardPortFix, noPortsFix, permissionFix, busyFix, notFoundFix } from './fixes.js';
