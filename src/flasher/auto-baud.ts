/**
 * `--baud auto` (the default): the fastest rate the USB bridge in front of the chip is known to carry
 * (ports/bridge-rates.ts), proven by baud.ts's round trip and stepped down on errors, and remembered per
 * bridge so the next job starts from what worked. Browser-safe: the memory comes in from outside
 * (Node: a JSON file in the user's cache folder, ports/node/baud-memory.ts).
 */
import { type BaudMemory, type BridgePartId, bestBaudFor, bridgeRateFactsById } from '../ports/bridge-rates.js';
import type { UsbBridge } from '../ports/usb-bridges.js';
import { DEFAULT_FAST_BAUD } from './baud.js';

export type { BaudMemory };

export interface AutoBaud {
  /** Rates the bridge is trusted with, fastest first; 'native' when there is no UART (the rate does not matter). */
  readonly candidates: readonly number[] | 'native';
  /** As users see it: "CH343", "an unknown USB bridge". */
  readonly bridgeName: string;
  /** What the memory is keyed by: the bridge part id, or "unknown". */
  readonly bridgeKey: string;
  readonly memory?: BaudMemory;
}

/** For a bridge part id (rfc2217 `?bridge=`), a listed port's bridge, or nothing known. */
export function autoBaudFor(bridge: BridgePartId | string | UsbBridge | undefined, product?: string, memory?: BaudMemory): AutoBaud {
  const mem = memory ? { memory } : {};
  if (bridge === undefined || (typeof bridge === 'string' && !bridgeRateFactsById(bridge))) {
    // Nothing known about the link: the long-standing default, stepped down when it does not hold.
    return { candidates: [DEFAULT_FAST_BAUD], bridgeName: 'an unknown USB bridge', bridgeKey: 'unknown', ...mem };
  }
  const candidates = typeof bridge === 'string' ? bestBaudFor(bridge as BridgePartId) : bestBaudFor(bridge, product);
  const facts = typeof bridge === 'string' ? bridgeRateFactsById(bridge) : undefined;
  const name = facts?.name ?? (typeof bridge === 'string' ? bridge : bridge.name);
  const key = facts?.part ?? (typeof bridge === 'string' ? bridge : bridge.id);
  return { candidates, bridgeName: name, bridgeKey: key, ...mem };
}

/** The rate to ask for first: what worked on this bridge before (if still a candidate), else the fastest. */
export function firstAutoRate(auto: AutoBaud): number | undefined {
  if (auto.candidates === 'native' || auto.candidates.length === 0) return undefined;
  const remembered = auto.memory?.recall(auto.bridgeKey);
  const fastest = auto.candidates[0]!;
  return remembered !== undefined && remembered <= fastest && remembered > 0 ? remembered : fastest;
}

/** What --baud auto ended on, for its one line and its memory. */
export interface AutoOutcome {
  /** The rate in use now. */
  readonly rate: number;
  /** The rate this job went for: the first choice, or lower where the chip's UART cannot run it. */
  readonly target: number;
  /** The bridge's first choice (firstAutoRate). */
  readonly first: number | undefined;
  readonly chipName: string;
}

/**
 * The one line --baud auto prints, and whether the rate is worth remembering for the bridge: what the
 * bridge carries is; a slower chip's ceiling is not (the next board on this bridge may be faster), and
 * an unknown bridge is a different device each time.
 */
export function autoBaudReport(auto: AutoBaud, o: AutoOutcome): { readonly line: string; readonly remember: boolean } {
  const fastest = auto.candidates === 'native' ? undefined : auto.candidates[0];
  const chipCapped = o.first !== undefined && o.target < o.first;
  const why =
    o.rate !== o.target
      ? `${o.target} did not hold on ${auto.bridgeName}, stepped down`
      : chipCapped
        ? `the fastest the ${o.chipName}'s UART runs in download mode; ${auto.bridgeName} carries ${o.first}`
        : o.first !== fastest
          ? `what worked on ${auto.bridgeName} last time`
          : auto.bridgeKey === 'unknown'
            ? `the default for ${auto.bridgeName}`
            : `the fastest ${auto.bridgeName} is known to carry`;
  return { line: `--baud auto: ${o.rate} baud (${why})`, remember: auto.bridgeKey !== 'unknown' && (o.rate !== o.target || !chipCapped) };
}
