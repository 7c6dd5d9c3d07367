import type { ChipSpec } from '../chips/index.js';
import type { FlashResult } from '../flasher/session.js';
import type { Reporter } from '../progress.js';
import type { Transport } from '../transport/transport.js';

/**
 * Seams of `upyflash flash` for the parts other modules own: the firmware catalog (flash with no FILE)
 * and the boot check after flashing. Their CLI modules register here from their `register()`; flash
 * works without them (FILE is then required, and no boot check runs).
 */
export interface FirmwareResolverContext {
  readonly chip: ChipSpec;
  readonly flashBytes: number | undefined;
  /** The verb's parsed options (e.g. --board, --variant, --version added by the catalog module). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly reporter: Reporter;
}

export interface ResolvedImage {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  /** Where it came from, for the result document (URL, cache path, version). */
  readonly provenance?: Readonly<Record<string, unknown>>;
}

export type FirmwareResolver = (ctx: FirmwareResolverContext) => Promise<ResolvedImage>;

export interface PostFlashContext {
  readonly chip: ChipSpec;
  readonly result: FlashResult;
  /** Reopened for the check; the hook closes nothing it did not open. */
  readonly portSpec: string;
  readonly openTransport: (baud: number) => Promise<Transport>;
  readonly options: Readonly<Record<string, unknown>>;
  readonly reporter: Reporter;
}

export type PostFlashHook = (ctx: PostFlashContext) => Promise<Readonly<Record<string, unknown>> | undefined>;

const hooks: { resolveFirmware?: FirmwareResolver; afterFlash?: PostFlashHook } = {};

export function registerFirmwareResolver(fn: FirmwareResolver): void {
  hooks.resolveFirmware = fn;
}

export function registerPostFlashHook(fn: PostFlashHook): void {
  hooks.afterFlash = fn;
}

export function flashHooks(): Readonly<typeof hooks> {
  return hooks;
}
