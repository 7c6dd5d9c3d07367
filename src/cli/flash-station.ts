/**
 * `flash --watch`: a flashing station. Polls the port listing and flashes every ESP-looking board as it
 * is plugged in, until stopped. A board counts as new when its port appears (it was not listed on the
 * last poll); a native-USB board that re-enumerates (it reappears, maybe under another name, with the
 * same USB serial number) after or during its flash is the same board and is left alone. A board
 * whose port vanished while it was being flashed was pulled out: reported as such (E016), and the
 * station carries on.
 */
import { UpyflashError } from '../errors.js';
import type { BoardResult, ManyFlasher } from '../flasher/flash-many.js';
import { sleep } from '../platform/sleep.js';
import type { PortInfo } from '../ports/port-info.js';

export interface StationOptions {
  readonly flasher: ManyFlasher;
  readonly listPorts: () => Promise<PortInfo[]>;
  readonly pollMs?: number;
  /** Stops taking new boards; the boards in progress finish (the flasher's own signal aborts them). */
  readonly stop: AbortSignal;
  readonly onResult?: (r: BoardResult, all: readonly BoardResult[]) => void;
  readonly onSkip?: (port: PortInfo, why: string) => void;
}

const DEFAULT_POLL_MS = 500;

export async function runStation(o: StationOptions): Promise<BoardResult[]> {
  const results: BoardResult[] = [];
  const busy = new Map<string, { serial?: string; pulled: boolean }>();
  const running = new Set<Promise<void>>();
  /** Serial numbers of boards flashed (or being flashed): one that reappears is the same board. */
  const claimed = new Set<string>();
  let present = new Set<string>();
  while (!o.stop.aborted) {
    let ports: PortInfo[];
    try {
      ports = (await o.listPorts()).filter((p) => p.likelyEsp);
    } catch {
      ports = [...present].map((path) => ({ path, likelyEsp: true })); // a listing caught mid-rewrite: try again next poll
    }
    const now = new Set(ports.map((p) => p.path));
    for (const [path, b] of busy) if (!now.has(path)) b.pulled = true;
    for (const p of ports) {
      if (present.has(p.path) || busy.has(p.path)) continue;
      if (p.serialNumber && claimed.has(p.serialNumber)) {
        o.onSkip?.(p, 'the same board (serial number) as one already flashed');
        continue;
      }
      if (p.serialNumber) claimed.add(p.serialNumber);
      const state = { ...(p.serialNumber ? { serial: p.serialNumber } : {}), pulled: false };
      busy.set(p.path, state);
      const job = o.flasher.add(p.path).then(async (r) => {
        // The link may fail before a poll sees the port gone: look once more before naming the cause.
        if (!r.ok && !state.pulled) state.pulled = !(await o.listPorts().catch(() => ports)).some((x) => x.path === p.path);
        const result = state.pulled && !r.ok ? pulledOut(r) : r;
        busy.delete(p.path);
        // A board that failed may be plugged in again and tried again.
        if (!result.ok && state.serial) claimed.delete(state.serial);
        results.push(result);
        o.onResult?.(result, results);
      });
      running.add(job);
      void job.finally(() => running.delete(job));
    }
    present = now;
    await Promise.race([sleep(o.pollMs ?? DEFAULT_POLL_MS), new Promise((r) => o.stop.addEventListener('abort', r, { once: true }))]);
  }
  await Promise.all(running);
  return results;
}

/** A board whose port vanished mid-job failed because it was unplugged, whatever the link said. */
function pulledOut(r: BoardResult): BoardResult {
  const was = r.error;
  if (was && (was.kind === 'DISCONNECTED' || was.kind === 'CANCELLED')) return r;
  const error = new UpyflashError('DISCONNECTED', `${r.port} was unplugged before it was done (${was?.message ?? 'no answer'})`, {
    hint: 'Plug the board in again: the station flashes it from the start.',
    ...(was ? { cause: was } : {}),
  });
  return { ...r, error };
}
