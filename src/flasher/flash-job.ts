/**
 * The one flash job every front end runs (CLI, web page, bench, tests): resolve the firmware once the
 * chip is known, validate it, patch its flash parameters, back up, write what differs and verify it,
 * reset, and check that MicroPython starts. Browser-safe: what only Node can do (the disk cache of the
 * catalog, backup files, reopening a port that re-enumerated, keeping board files) comes in as inputs.
 *
 * Several parts in one job come in as `{ parts }` (image/firmware-parts.ts checks each for its address);
 * many boards share one firmware (prepareFirmware's result is handed to each board's job as
 * `{ prepared }` and only re-checked when a board differs from the one it was prepared for).
 */
import type { ChipSpec } from '../chips/index.js';
import { UpyflashError, isLinkFailure, isUpyflashError } from '../errors.js';
import { type FirmwareFile, analyzeFirmware } from '../image/firmware-file.js';
import { type FlashParams, patchFlashParams } from '../image/flash-params.js';
import { validateFirmware } from '../image/validate.js';
import { type FirmwareParts, checkFirmwareParts, isFirmwareParts, principalImage } from '../image/firmware-parts.js';
import type { Reporter } from '../progress.js';
import { type BootInfo, bootCheck } from '../repl/boot-check.js';
import type { Transport } from '../transport/transport.js';
import { type ChipIdentityReport, readChipIdentity } from './chip-identity.js';
import { checkAppsAgainstFlashTable } from './flash-table-check.js';
import { CompressedRegions, type CompressedStore } from './compressed-cache.js';
import type { FlashPart } from './parts.js';
import { checkPlainImageBootable, checkSecureDownloadJob } from './security.js';
import type { AfterMode } from './reset.js';
import type { FlashResult, FlasherSession, TargetInfo } from './session.js';

export interface FirmwareResolverContext {
  readonly chip: ChipSpec;
  readonly flashBytes: number | undefined;
  readonly reporter: Reporter;
  /** What the eFuses say (model, revision, PSRAM in the package); absent where they cannot be read. */
  readonly identity?: ChipIdentityReport;
  /** The MicroPython the board ran before it was reset into the loader (os.uname()), where it was asked. */
  readonly running?: { readonly machine: string; readonly version: string };
}

/** A firmware picked from a catalog (or anywhere else) once the chip is known. */
export interface ResolvedImage {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  /** Where it came from, for the result document (URL, cache path, version). */
  readonly provenance?: Readonly<Record<string, unknown>>;
}

export type FirmwareResolver = (ctx: FirmwareResolverContext) => Promise<ResolvedImage>;

/** What to flash: a file the user chose, a resolver that picks once the chip is known, or a prepared firmware. */
export type FirmwareChoice =
  | { readonly file: FirmwareFile; readonly provenance?: Readonly<Record<string, unknown>> }
  /** Several ADDR FILE parts written in one job (esptool's write_flash with pairs, a build folder). */
  | { readonly parts: FirmwareParts; readonly provenance?: Readonly<Record<string, unknown>> }
  | { readonly resolve: FirmwareResolver }
  | { readonly prepared: PreparedFirmware };

/** The user's choices about where and how the image is written (esptool's --addr, --force-addr, --flash-*). */
export interface PrepareOptions {
  readonly address?: number;
  readonly forceAddress?: boolean;
  /** Unset fields take the chip's defaults (ESP8266: size `detect`). */
  readonly flashParams?: FlashParams;
  /** Where compressed regions outlive the job (Node: the cache folder); without it they live as long as the prepared firmware. */
  readonly compressedStore?: CompressedStore;
}

/** A firmware checked and patched for one target: what gets written, part by part. */
export interface PreparedFirmware {
  /** For a multi-part input: the image that stands for the set (the app, else the bootloader). */
  readonly firmware: FirmwareFile;
  /** The multi-part input this was prepared from (absent for a single file). */
  readonly source?: FirmwareParts;
  readonly provenance?: Readonly<Record<string, unknown>>;
  readonly target: TargetInfo;
  readonly options: PrepareOptions;
  readonly parts: readonly FlashPart[];
  readonly warnings: readonly string[];
  /** What was done to the flash parameters, e.g. "flash parameters set: mode dio, size 4MB -> 1MB, freq 40m". */
  readonly flashParams: string;
  readonly flashParamsChanged: boolean;
  /** Regions deflated once for every board and reflash this firmware goes to. */
  readonly compressed: CompressedRegions;
}

/**
 * Checks `fw` against the target (chip, address, flash size, revision, integrity) and patches its flash
 * parameters. Pure: it throws before anything is written, and its result can be written to every board
 * with the same target.
 */
export function prepareFirmware(
  fw: FirmwareFile | FirmwareParts,
  target: TargetInfo,
  options: PrepareOptions = {},
  provenance?: Readonly<Record<string, unknown>>,
): PreparedFirmware {
  checkPlainImageBootable(target.chip, target.security);
  if (isFirmwareParts(fw)) return prepareParts(fw, target, options, provenance);
  const checked = validateFirmware(fw, {
    chip: target.chip,
    ...(options.address !== undefined ? { address: options.address } : {}),
    forceAddress: Boolean(options.forceAddress),
    ...(target.flashSizeBytes !== undefined ? { flashBytes: target.flashSizeBytes } : {}),
    ...(target.chipRevision !== undefined ? { chipRevision: target.chipRevision } : {}),
  });
  const patched = patchFlashParams(checked.firmware, target.chip, options.flashParams ?? {}, target.flashSizeBytes, checked.address);
  return {
    firmware: checked.firmware,
    ...(provenance ? { provenance } : {}),
    target,
    options,
    parts: [{ address: checked.address, bytes: patched.bytes }],
    warnings: checked.warnings,
    flashParams: patched.description,
    flashParamsChanged: patched.changed,
    compressed: new CompressedRegions(options.compressedStore),
  };
}

/**
 * Every part checked for its address before anything is written; the flash parameters are patched in
 * the image at the bootloader offset only, as esptool does.
 */
function prepareParts(
  input: FirmwareParts,
  target: TargetInfo,
  options: PrepareOptions,
  provenance?: Readonly<Record<string, unknown>>,
): PreparedFirmware {
  if (options.address !== undefined) {
    throw new UpyflashError('BAD_ARGUMENT', '--addr does not apply to ADDR FILE pairs: each file already has its address.');
  }
  const checked = checkFirmwareParts(input, {
    chip: target.chip,
    ...(target.flashSizeBytes !== undefined ? { flashBytes: target.flashSizeBytes } : {}),
    ...(target.chipRevision !== undefined ? { chipRevision: target.chipRevision } : {}),
  });
  const boot = checked.parts.find((p) => p.address === target.chip.bootloaderOffset && p.firmware);
  const patched = boot
    ? patchFlashParams(boot.firmware!, target.chip, options.flashParams ?? {}, target.flashSizeBytes, boot.address)
    : { bytes: undefined, changed: false, description: 'flash parameters left as they are: no part is written at the bootloader offset' };
  const principal = principalImage(checked.parts);
  if (!principal) {
    throw new UpyflashError('NOT_AN_IMAGE', 'None of the files is an ESP firmware image (bootloader, partition table and app expected).');
  }
  return {
    firmware: principal,
    source: input,
    ...(provenance ? { provenance } : {}),
    target,
    options,
    parts: checked.parts.map((p) => ({ address: p.address, bytes: p === boot && patched.bytes ? patched.bytes : p.bytes })),
    warnings: checked.warnings,
    flashParams: patched.description,
    flashParamsChanged: patched.changed,
    compressed: new CompressedRegions(options.compressedStore),
  };
}

/** A prepared firmware can be written unchanged to a board with the same chip, flash size and revision. */
export function preparedFits(p: PreparedFirmware, target: TargetInfo): boolean {
  const t = p.target;
  return t.chip.id === target.chip.id && t.flashSizeBytes === target.flashSizeBytes && t.chipRevision === target.chipRevision;
}

/** Resolves (when asked to), validates and patches the firmware for the connected board. */
export async function firmwareForTarget(
  choice: FirmwareChoice,
  target: TargetInfo,
  options: PrepareOptions,
  reporter: Reporter,
  identity?: ChipIdentityReport,
): Promise<PreparedFirmware> {
  // Before a download: a chip that cannot boot a plain image needs no firmware.
  checkPlainImageBootable(target.chip, target.security);
  if ('prepared' in choice) {
    const p = choice.prepared;
    return preparedFits(p, target) ? p : prepareFirmware(p.source ?? p.firmware, target, p.options, p.provenance);
  }
  if ('file' in choice) return prepareFirmware(choice.file, target, options, choice.provenance);
  if ('parts' in choice) return prepareFirmware(choice.parts, target, options, choice.provenance);
  const resolved = await choice.resolve({ chip: target.chip, flashBytes: target.flashSizeBytes, reporter, ...(identity ? { identity } : {}) });
  return prepareFirmware(analyzeFirmware(resolved.bytes, resolved.fileName), target, options, resolved.provenance);
}

/** Puts the board's files back once the new firmware runs (the backup was taken before the job). */
export interface KeepFilesHook {
  restore(transport: Transport, reporter: Reporter): Promise<Readonly<Record<string, unknown>>>;
  /** How to restore by hand; added to a failed boot check's message. */
  readonly instructions: string;
}

export interface BootCheckChoice {
  /** How long to wait for the MicroPython banner (default 10 s). */
  readonly timeoutMs?: number;
  /**
   * How to reach the running firmware after the reset. Default: the session's own transport, left open
   * (the page keeps it for its console). With `reopen`, the job closes the session first and closes what
   * `reopen` returns when it is done (the CLI follows a native-USB board that re-enumerated).
   */
  readonly reopen?: () => Promise<Transport>;
}

export interface FlashJobInput extends PrepareOptions {
  readonly firmware: FirmwareChoice;
  /** Erase the whole chip first (removes the board's files). */
  readonly eraseAll?: boolean;
  /** Compare per 64 KiB and write only what differs (default true). */
  readonly skipUnchanged?: boolean;
  /** Receives the whole flash, read before anything is erased or written. */
  readonly backup?: (flash: Uint8Array) => Promise<void>;
  /** hard-reset (default) restarts into the new firmware; no-reset leaves the loader running (and skips the boot check). */
  readonly after?: AfterMode;
  /** Wait for the MicroPython banner after the reset (default on); false skips it. */
  readonly bootCheck?: BootCheckChoice | false;
  readonly keepFiles?: KeepFilesHook;
  /**
   * Checks the prepared firmware against what the board says of itself, before anything is written
   * (the CLI: a local file's build against the chip's eFuse facts). Throws to refuse; a returned text is
   * shown as a warning.
   */
  readonly checkBuild?: (firmware: FirmwareFile, board: { readonly target: TargetInfo; readonly identity: ChipIdentityReport | undefined }) => string | undefined;
}

export interface FlashJobResult {
  readonly flash: FlashResult;
  readonly prepared: PreparedFirmware;
  /** Present when the boot check ran. */
  readonly boot?: BootInfo;
  /** What the keep-files hook restored. */
  readonly keptFiles?: Readonly<Record<string, unknown>>;
  /** The write was verified but the link failed before the boot could be seen (E068, with why). */
  readonly bootNotChecked?: UpyflashError;
}

/**
 * Runs the whole job on a connected session. Nothing is erased or written before the firmware passed
 * its checks. On failure the session is left open and in the loader (the caller closes it).
 */
export async function runFlashJob(session: FlasherSession, input: FlashJobInput, reporter: Reporter): Promise<FlashJobResult> {
  const target = await session.describeTarget();
  checkSecureDownloadJob(target.chip, target.security, { eraseAll: Boolean(input.eraseAll), backup: Boolean(input.backup) });
  // A catalog choice and a build check follow the chip's own facts (PSRAM in the package): read them only then.
  const wantsIdentity = 'resolve' in input.firmware || input.checkBuild !== undefined;
  const identity = wantsIdentity ? await readChipIdentity(session.link, target.chip, { secureDownload: target.secureDownload }) : undefined;
  const prepared = await firmwareForTarget(input.firmware, target, input, reporter, identity);
  const forced = input.checkBuild?.(prepared.firmware, { target, identity });
  if (forced) reporter.warn(forced);
  for (const w of prepared.warnings) reporter.warn(w);
  if (prepared.flashParamsChanged) reporter.info(`Flash parameters: ${prepared.flashParams}`);
  await checkAppsAgainstFlashTable(session, prepared, reporter);
  const flash = await session.flash({
    parts: prepared.parts,
    eraseAll: Boolean(input.eraseAll),
    skipUnchanged: input.skipUnchanged !== false,
    compressed: prepared.compressed,
    ...(input.backup ? { backup: input.backup } : {}),
  });
  if ((input.after ?? 'hard-reset') !== 'hard-reset') return { flash, prepared };
  try {
    await session.hardReset();
    if (input.bootCheck === false) return { flash, prepared };
    const after = await checkBoot(session, input.bootCheck ?? {}, input.keepFiles, reporter);
    return { flash, prepared, ...after };
  } catch (e) {
    const notChecked = bootNotChecked(e, flash, input.keepFiles !== undefined);
    if (!notChecked) throw e;
    reporter.warn(notChecked.message);
    return { flash, prepared, bootNotChecked: notChecked };
  }
}

/**
 * A verified write stays a success when only the link fails afterwards (the reset, the reopen, a slow
 * bridge): the result says so instead of a connection error. With files to put back, the error stands
 * (it carries the restore instructions).
 */
function bootNotChecked(e: unknown, flash: FlashResult, keepingFiles: boolean): UpyflashError | undefined {
  if (!flash.verified || keepingFiles || !isUpyflashError(e) || !isLinkFailure(e)) return undefined;
  return new UpyflashError('BOOT_NOT_CHECKED', `Written and verified; boot not checked: ${e.message} (${e.code})`, {
    details: { cause: e.toJSON() },
    cause: e,
  });
}

async function checkBoot(
  session: FlasherSession,
  choice: BootCheckChoice,
  keepFiles: KeepFilesHook | undefined,
  reporter: Reporter,
): Promise<{ boot: BootInfo; keptFiles?: Readonly<Record<string, unknown>> }> {
  if (choice.reopen) await session.close('no-reset');
  const transport = choice.reopen ? await choice.reopen() : session.transport;
  try {
    let boot: BootInfo;
    try {
      boot = await bootCheck(transport, choice.timeoutMs !== undefined ? { timeoutMs: choice.timeoutMs } : {}, reporter);
    } catch (e) {
      if (keepFiles && isUpyflashError(e)) {
        throw new UpyflashError(e.kind, `${e.message} ${keepFiles.instructions}`, { hint: e.hint, actions: [...e.actions, 'restore-files'], details: { ...e.details }, cause: e });
      }
      throw e;
    }
    if (!keepFiles) return { boot };
    return { boot, keptFiles: await keepFiles.restore(transport, reporter) };
  } finally {
    if (choice.reopen) await transport.close().catch(() => undefined);
  }
}
