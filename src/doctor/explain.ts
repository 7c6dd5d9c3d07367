/**
 * Gives a failure from any verb the doctor's specific advice: the same fix `upyflash doctor` would
 * print for it, filled in from the facts of this machine (which driver, which group, which program,
 * which port the board moved to). Pure; the Node adapter gathers the facts.
 */
import { UpyflashError } from '../errors.js';
import type { PortInfo } from '../ports/port-info.js';
import { busyFix, connectFix, noBoardPortFix, noPortsFix, notFoundFix, permissionFix } from './fixes.js';
import type { HostFacts } from './types.js';

/** The port the failure is about, from the error's details. */
export function failedPortPath(err: UpyflashError): string | undefined {
  const d = err.details as { path?: unknown; port?: unknown };
  if (typeof d.path === 'string') return d.path;
  if (typeof d.port === 'string') return d.port;
  return undefined;
}

/** Returns err with a more specific hint when the facts allow one, else err itself. */
export function explainFailure(err: UpyflashError, facts: HostFacts): UpyflashError {
  const path = failedPortPath(err);
  const node = facts.nodes.find((n) => n.path === path);
  const port: PortInfo | undefined = facts.ports.find((p) => p.path === path);
  let hint: string | undefined;
  switch (err.kind) {
    case 'NO_PORTS': {
      // Only when no port looks like a board: several boards (MULTIPLE_PORTS) need no driver advice.
      const interferers = facts.interferers.map((p) => p.command);
      if (facts.ports.length === 0) hint = noPortsFix(facts.os, facts.usbDevices, interferers);
      else if (!facts.ports.some((p) => p.likelyEsp)) hint = noBoardPortFix(facts.os, facts.usbDevices, interferers);
      break;
    }
    case 'PORT_NOT_FOUND':
      if (path) hint = notFoundFix(path, facts.ports);
      break;
    case 'PERMISSION_DENIED':
      hint = permissionFix(facts.os, node, facts.user, facts.systemGroups);
      break;
    case 'PORT_BUSY':
      if (node && node.holders.length > 0) hint = busyFix(facts.os, node);
      break;
    case 'NO_SERIAL_DATA':
    case 'WRONG_BOOT_MODE':
      // Without a local port we know nothing the connect code did not (TCP bridges, virtual boards).
      // A board nobody reset keeps the connect code's own advice (it already says to press the buttons).
      if (port && err.details['didReset'] !== false) hint = connectFix(err.kind, port);
      break;
    default:
      break;
  }
  if (hint === undefined || hint === err.hint) return err;
  return new UpyflashError(err.kind, err.message, { hint, actions: err.actions, details: { ...err.details }, cause: err.cause ?? err });
}
