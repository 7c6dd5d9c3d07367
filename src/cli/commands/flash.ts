import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UpyflashError } from '../../errors.js';
import { type FirmwareChoice, type FlashJobInput, type FlashJobResult, runFlashJob } from '../../flasher/flash-job.js';
import type { FlashResult } from '../../flasher/session.js';
import { formatSize } from '../../flasher/spi-flash.js';
import { type FirmwareFile, analyzeFirmware } from '../../image/firmware-file.js';
import type { AfterMode } from '../../flasher/reset.js';
import { describeBoot } from '../../repl/boot-check.js';
import { type ConnectionFlags, addConnectionOptions, openSession, resolvePortSpec, sessionOptions } from '../connect-options.js';
import { catalogResolver } from './firmware.js';
import { checkImageBuild } from '../../firmware/build-choice.js';
import { runningFirmwareOn } from '../running-firmware.js';
import { flashBootCheck } from './repl.js';
import { readInputFile } from '../input-file.js';
import { type FlashFirmwareInput, flashFirmwareInput } from '../flash-input.js';
import { type ManyFlags, addManyOptions, flashManyCommand, isManyRun } from '../flash-many-command.js';
import { EXIT } from '../exit-codes.js';
import { parseSize, runCommand, type CommandIo, type CommandResult, type GlobalOptions } from '../run-command.js';
import { FsDeflateStore } from '../../flasher/node/deflate-store.js';
import { defaultCacheDir } from '../../platform/node/cache-dir.js';

export interface FlashFlags extends ConnectionFlags, GlobalOptions, ManyFlags {
  board?: string;
  addr?: string;
  forceAddr?: boolean;
  erase?: boolean;
  skip?: boolean;
  backup?: string;
  flashMode?: string;
  flashSize?: string;
  flashFreq?: string;
  bootCheck?: boolean;
  fromBuild?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('flash')
    .description('write MicroPython (a .bin FILE) to the board: validated first, only changed regions written, every region MD5-verified')
    .argument('[file...]', 'firmware .bin, or ADDR FILE pairs as esptool takes them (without it: the latest MicroPython for the detected board, from micropython.org or the cache)');
  addConnectionOptions(cmd)
    .option('--addr <address>', 'flash address (default: the right one for the chip and file)')
    .option('--force-addr', 'write at --addr even when it looks wrong for this file')
    .option('--erase', 'erase the whole flash first (removes files kept on the board)')
    .option('--no-skip', 'write every region, even those that already match')
    .option('--backup <file>', 'save the whole current flash to FILE before anything is changed')
    .option('--flash-mode <mode>', 'keep, qio, qout, dio or dout', 'keep')
    .option('--flash-size <size>', 'keep, detect or a size such as 4MB (ESP8266 default: detect)')
    .option('--flash-freq <freq>', 'keep or a frequency such as 40m', 'keep')
    .option('--no-boot-check', 'do not wait for the MicroPython banner after flashing')
    .option('--from-build <dir>', "an ESP-IDF build folder: its flasher_args.json's files, offsets, flash settings and chip");
  addManyOptions(cmd)
    .action(async (files: string[], _opts: FlashFlags, command: Command) => {
      const flags = command.optsWithGlobals<FlashFlags>();
      await runCommand(flags, async (io) => flashCommand(await flashFirmwareInput(files, flags, command), flags, io));
    });
}

/** One board (the default), or many with --all, --watch or --port given more than once. */
export async function flashCommand(input: string | FlashFirmwareInput | undefined, flags: FlashFlags, io: CommandIo): Promise<CommandResult<object>> {
  const one = typeof input === 'object' ? input : { ...(input !== undefined ? { file: input } : {}) };
  if (isManyRun(flags)) {
    if (one.parts) {
      throw new UpyflashError('BAD_ARGUMENT', 'Several boards at once take one firmware FILE, not ADDR FILE pairs', {
        hint: 'Merge the parts into one image first (`upyflash merge-bin -o merged.bin ADDR FILE ...`), then flash that.',
      });
    }
    const address = parseAddress(one.address ?? flags.addr);
    return flashManyCommand(one.file, flags, io, (local) =>
      flashJobInput(local ? { file: local } : undefined, address, sessionOptions(flags).after, flags, io),
    );
  }
  return flashOneCommand(one, flags, io);
}

/** A local file is checked as far as it can be before any port is touched. */
export async function localFirmware(file: string | undefined): Promise<FirmwareFile | undefined> {
  return file !== undefined ? analyzeFirmware(await readInputFile(file), basename(file)) : undefined;
}

/**
 * The job every board runs, from the flags (the boot check, which needs the board's port, is added per
 * board). Without a firmware the catalog picks one for the detected chip.
 */
export function flashJobInput(
  firmware: FirmwareChoice | undefined,
  address: number | undefined,
  after: AfterMode | undefined,
  flags: FlashFlags,
  io: CommandIo,
): FlashJobInput {
  return {
    firmware: firmware ?? { resolve: catalogResolver(flags as Record<string, unknown>) },
    ...(firmware && 'file' in firmware ? { checkBuild: localBuildCheck(Boolean((flags as { force?: boolean }).force)) } : {}),
    ...(address !== undefined ? { address } : {}),
    forceAddress: Boolean(flags.forceAddr),
    flashParams: {
      mode: (flags.flashMode ?? 'keep') as never,
      ...(flags.flashSize !== undefined ? { size: flags.flashSize } : {}),
      freq: flags.flashFreq ?? 'keep',
    },
    eraseAll: Boolean(flags.erase),
    skipUnchanged: flags.skip !== false,
    ...(flags.backup ? { backup: (data: Uint8Array) => saveBackup(flags.backup!, data, io) } : {}),
    after: after ?? 'hard-reset',
    // Streams compressed for one job (or ahead of time by `download`) serve the next job on the same image.
    compressedStore: new FsDeflateStore(defaultCacheDir()),
  };
}

/** A local file whose name or banner names a build is refused where the chip's facts rule that build out (E03C). */
function localBuildCheck(force: boolean): FlashJobInput['checkBuild'] {
  return (fw, { target, identity }) =>
    checkImageBuild(
      { fileName: fw.fileName ?? '', boardName: fw.micropython?.boardName },
      { chip: target.chip, flashBytes: target.flashSizeBytes, facts: identity },
      force,
    );
}

function parseAddress(text: string | undefined): number | undefined {
  return text !== undefined ? parseSize(text, '--addr') : undefined;
}

async function flashOneCommand(input: FlashFirmwareInput, flags: FlashFlags, io: CommandIo) {
  const multi = input.parts ? input : undefined;
  const local = await localFirmware(input.file);
  const address = multi ? undefined : parseAddress(input.address ?? flags.addr);
  const portSpec = await resolvePortSpec(flags, io);
  const firmware: FirmwareChoice | undefined = multi?.parts ? { parts: multi.parts } : local ? { file: local } : undefined;
  // An update stays on the board the running MicroPython names (unless --board says otherwise).
  const running = !firmware && flags.board === undefined ? await runningFirmwareOn(portSpec, io.reporter) : undefined;
  const jobInput = flashJobInput(firmware ?? { resolve: catalogResolver(flags as Record<string, unknown>, running ? { running } : {}) }, address, sessionOptions(flags).after, flags, io);
  const session = await openSession({ ...flags, port: portSpec }, io);
  let job: FlashJobResult;
  try {
    job = await runFlashJob(session, { ...jobInput, ...flashBootCheck(flags as Record<string, unknown>, portSpec) }, io.reporter);
  } catch (e) {
    // Leave the chip in the loader on failure (no reset), so the user can retry at once.
    await session.close('no-reset').catch(() => undefined);
    throw e;
  }
  await session.close('no-reset');
  const fileName = multi?.label ?? input.file ?? job.prepared.firmware.fileName;
  printSummary(job.flash, multi?.label ?? (fileName ? basename(fileName) : undefined), io);
  if (job.bootNotChecked) {
    io.print(`warning ${job.bootNotChecked.code}: ${job.bootNotChecked.message}`);
    io.print(`hint: ${job.bootNotChecked.hint}`);
  }
  const provenance = job.prepared.provenance;
  return {
    ...(job.bootNotChecked ? { exitCode: EXIT.BOOT_NOT_CHECKED } : {}),
    result: {
      ...job.flash,
      file: fileName ?? null,
      port: portSpec,
      flashParams: job.prepared.flashParams,
      warnings: job.prepared.warnings,
      ...(provenance ? { firmware: provenance } : {}),
      ...(job.boot ? { bootCheck: { ...job.boot, running: describeBoot(job.boot), ...(job.keptFiles ? { keptFiles: job.keptFiles } : {}) } } : {}),
      ...(job.bootNotChecked ? { bootNotChecked: job.bootNotChecked.toJSON() } : {}),
    },
  };
}

async function saveBackup(path: string, data: Uint8Array, io: CommandIo): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (e) {
    throw new UpyflashError('FILE_ERROR', `Cannot write the backup to ${path}: ${(e as Error).message}`, {
      hint: 'Nothing was erased or written. Choose a writable path for --backup.',
      cause: e,
    });
  }
  io.reporter.info(`Backup of ${formatSize(data.length)} saved to ${path}`);
}

function printSummary(r: FlashResult, name: string | undefined, io: CommandIo): void {
  const where = `0x${r.address.toString(16)}`;
  const what = name ?? 'firmware';
  if (r.writtenBytes === 0) io.print(`Already on the ${r.chip} at ${where}: ${what}; nothing written.`);
  else {
    const skipped = r.skippedBytes > 0 ? `, ${formatSize(r.skippedBytes)} unchanged and skipped` : '';
    io.print(`Wrote ${formatSize(r.writtenBytes)} of ${what} to the ${r.chip} at ${where}${skipped}${r.retries ? ` (${r.retries} retries)` : ''}.`);
  }
  const md5s = r.parts.length > 1 ? r.parts.map((p) => `0x${p.address.toString(16)} ${p.md5}`).join(', ') : r.md5;
  const spans = r.parts.map((p) => `0x${p.address.toString(16)}–0x${(p.address + p.length).toString(16)}`).join(', ');
  io.print(
    r.verified
      ? `Verified (MD5 ${md5s}) over ${spans}, checked by the chip after the last write.`
      : 'NOT verified: this loader cannot compute checksums; run without --no-stub to verify.',
  );
}
