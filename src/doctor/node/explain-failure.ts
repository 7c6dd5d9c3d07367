/**
 * Node-only: the hook every verb's failure goes through, so that `flash` says what `doctor` would
 * say — the driver, the group and command, the program holding the port, where the board went.
 */
import type { UpyflashError } from '../../errors.js';
import { explainFailure, failedPortPath } from '../explain.js';
import { gatherHostFacts, rootsFromEnv, type HostRoots } from './host-facts.js';

/** Failures the facts of this machine can make more specific. */
const EXPLAINED = new Set(['NO_PORTS', 'PORT_NOT_FOUND', 'PERMISSION_DENIED', 'PORT_BUSY', 'NO_SERIAL_DATA', 'WRONG_BOOT_MODE']);

export async function explainFailureOnThisHost(err: UpyflashError, roots: HostRoots = rootsFromEnv()): Promise<UpyflashError> {
  if (!EXPLAINED.has(err.kind)) return err;
  const path = failedPortPath(err);
  // TCP and virtual ports have no device node to look at.
  const local = path !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(path) ? [path] : [];
  try {
    const facts = await gatherHostFacts({ ...roots, portPaths: local });
    return explainFailure(err, facts);
  } catch {
    // Advice is a bonus: never let looking for it hide the failure itself.
    return err;
  }
}
