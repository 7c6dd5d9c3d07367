import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UpyflashError } from '../../errors.js';
import { type FlashJobInput, type FlashJobResult, runFlashJob } from '../../flasher/flash-job.js';
import type { FlashResult } from '../../flasher/session.js';
import { formatSize } from '../../flasher/spi-flash.js';
import { type FirmwareFile, analyzeFirmware } from '../../image/firmware-file.js';
import type { AfterMode } from '../../flasher/reset.js';
import { describeBoot } from '../../repl/boot-check.js';
import { type ConnectionFlags, addConnectionOptions, openSession, resolvePortSpec, sessionOptions } from '../connect-options.js';
import { catalogResolver } from './firmware.js';
import { flashBootCheck } from './repl.js';
import { readInputFile } from '../input-file.js';
import { type ManyFlags, addManyOptions, flashManyCommand, isManyRun } from '../flash-many-command.js';
import { parseSize, runCommand, type CommandIo, type CommandResult, type GlobalOptions } from '../run-command.js';

export interface FlashFlags extends ConnectionFlags, GlobalOptions, ManyFlags {
  addr?: string;
  forceAddr?: boolean;
  erase?: boolean;
  skip?: boolean;
  backup?: string;
  flashMode?: string;
  flashSize?: string;
  flashFreq?: string;
  bootCheck?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('flash')
    .description('write MicroPython (a .bin FILE) to the board: validated first, only changed regions written, every region MD5-verified')
    .argument('[file]', 'firmware .bin (without it: the latest MicroPython for the detected board, from micropython.org or the cache)');
  addConnectionOptions(cmd)
    .option('--addr <address>', 'flash address (default: the right one for the chip and file)')
    .option('--force-addr', 'write at --addr even when it looks wrong for this file')
    .option('--erase', 'erase the whole flash first (removes files kept on the board)')
    .option('--no-skip', 'write every region, even those that already match')
    .option('--backup <file>', 'save the whole current flash to FILE before anything is changed')
    .option('--flash-mode <mode>', 'keep, qio, qout, dio or dout', 'keep')
    .option('--flash-size <size>', 'keep, detect or a size such as 4MB (ESP8266 default: detect)')
    .option('--flash-freq <freq>', 'keep or a frequency such as 40m', 'keep')
    .option('--no-boot-check', 'do not wait for the MicroPython banner after flashing');
  addManyOptions(cmd)
    .action(async (file: string | undefined, _opts: FlashFlags, command: Command) => {
      const flags = command.optsWithGlobals<FlashFlags>();
      await runCommand(flags, (io) => flashCommand(file, flags, io));
    });
}

/** One board (the default), or many with --all, --watch or --port given more than once. */
export async function flashCommand(file: string | undefined, flags: FlashFlags, io: CommandIo): Promise<CommandResult<object>> {
  if (isManyRun(flags)) {
    return flashManyCommand(file, flags, io, (local) => flashJobInput(local, parseAddress(flags), sessionOptions(flags).after, flags, io));
  }
  return flashOneCommand(file, flags, io);
}

/** A local file is checked as far as it can be before any port is touched. */
export async function localFirmware(file: string | undefined): Promise<FirmwareFile | undefined> {
  return file !== undefined ? analyzeFirmware(await readInputFile(file), basename(file)) : undefined;
}

/** The job every board runs, from the flags (the boot check, which needs the board's port, is added per board). */
export function flashJobInput(
  local: FirmwareFile | undefined,
  address: number | undefined,
  after: AfterMode | undefined,
  flags: FlashFlags,
  io: CommandIo,
): FlashJobInput {
  return {
    firmware: local ? { file: local } : { resolve: catalogResolver(flags as Record<string, unknown>) },
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
  };
}

function parseAddress(flags: FlashFlags): number | undefined {
  return flags.addr !== undefined ? parseSize(flags.addr, '--addr') : undefined;
}

async function flashOneCommand(file: string | undefined, flags: FlashFlags, io: CommandIo) {
  const local = await localFirmware(file);
  const address = parseAddress(flags);
  const portSpec = await resolvePortSpec(flags, io);
  const input = flashJobInput(local, address, sessionOptions(flags).after, flags, io);
  const session = await openSession({ ...flags, port: portSpec }, io);
  let job: FlashJobResult;
  try {
    job = await runFlashJob(session, { ...input, ...flashBootCheck(flags as Record<string, unknown>, portSpec) }, io.reporter);
  } catch (e) {
    // Leave the chip in the loader on failure (no reset), so the user can retry at once.
    await session.close('no-reset').catch(() => undefined);
    throw e;
  }
  await session.close('no-reset');
  const fileName = file ?? job.prepared.firmware.fileName;
  printSummary(job.flash, fileName, io);
  const provenance = job.prepared.provenance;
  return {
    result: {
      ...job.flash,
      file: fileName ?? null,
      port: portSpec,
      flashParams: job.prepared.flashParams,
      warnings: job.prepared.warnings,
      ...(provenance ? { firmware: provenance } : {}),
      ...(job.boot ? { bootCheck: { ...job.boot, running: describeBoot(job.boot), ...(job.keptFiles ? { keptFiles: job.keptFiles } : {}) } } : {}),
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

function printSummary(r: FlashResult, file: string | undefined, io: CommandIo): void {
  const where = `0x${r.address.toString(16)}`;
  const what = file ? basename(file) : 'firmware';
  if (r.writtenBytes === 0) io.print(`${what} is already on the ${r.chip} at ${where}: nothing written.`);
  else {
    const skipped = r.skippedBytes > 0 ? `, ${formatSize(r.skippedBytes)} unchanged and skipped` : '';
    io.print(`Wrote ${formatSize(r.writtenBytes)} of ${what} to the ${r.chip} at ${where}${skipped}${r.retries ? ` (${r.retries} retries)` : ''}.`);
  }
  io.print(r.verified ? `Verified (MD5 ${r.md5}).` : 'NOT verified: this loader cannot compute checksums; run without --no-stub to verify.');
}
