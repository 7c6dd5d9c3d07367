import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UpyflashError } from '../../errors.js';
import type { FlashResult, TargetInfo } from '../../flasher/session.js';
import { formatSize } from '../../flasher/spi-flash.js';
import { analyzeFirmware } from '../../image/firmware-file.js';
import { patchFlashParams } from '../../image/flash-params.js';
import { validateFirmware } from '../../image/validate.js';
import { type ConnectionFlags, addConnectionOptions, openTransportFor, resolvePortSpec, withSession } from '../connect-options.js';
import { flashHooks } from '../flash-hooks.js';
import { readInputFile } from '../input-file.js';
import { parseSize, runCommand, type CommandIo, type GlobalOptions } from '../run-command.js';

export interface FlashFlags extends ConnectionFlags, GlobalOptions {
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
    .option('--no-boot-check', 'do not wait for the MicroPython banner after flashing')
    .action(async (file: string | undefined, _opts: FlashFlags, command: Command) => {
      const flags = command.optsWithGlobals<FlashFlags>();
      await runCommand(flags, (io) => flashCommand(file, flags, io));
    });
}

export async function flashCommand(file: string | undefined, flags: FlashFlags, io: CommandIo) {
  const hooks = flashHooks();
  // A local file is checked as far as it can be before any port is touched.
  const local = file !== undefined ? analyzeFirmware(await readInputFile(file), basename(file)) : undefined;
  if (!local && !hooks.resolveFirmware) {
    throw new UpyflashError('BAD_ARGUMENT', 'No firmware FILE given', {
      hint: 'Pass the MicroPython .bin for your board (https://micropython.org/download/), e.g. `upyflash flash ESP32_GENERIC-20251209-v1.27.0.bin`.',
    });
  }
  const address = flags.addr !== undefined ? parseSize(flags.addr, '--addr') : undefined;
  const portSpec = await resolvePortSpec(flags, io);
  let provenance: Readonly<Record<string, unknown>> | undefined;
  let fileName = file;
  let warnings: string[] = [];
  let paramsNote = '';

  const result = await withSession({ ...flags, port: portSpec }, io, async (session, reporter) => {
    const prepare = async (target: TargetInfo) => {
      let fw = local;
      if (!fw) {
        const resolved = await hooks.resolveFirmware!({
          chip: target.chip,
          flashBytes: target.flashSizeBytes,
          options: flags as Record<string, unknown>,
          reporter,
        });
        provenance = resolved.provenance;
        fileName = resolved.fileName;
        fw = analyzeFirmware(resolved.bytes, resolved.fileName);
      }
      const checked = validateFirmware(fw, {
        chip: target.chip,
        ...(address !== undefined ? { address } : {}),
        forceAddress: Boolean(flags.forceAddr),
        ...(target.flashSizeBytes !== undefined ? { flashBytes: target.flashSizeBytes } : {}),
        ...(target.chipRevision !== undefined ? { chipRevision: target.chipRevision } : {}),
      });
      warnings = checked.warnings;
      for (const w of warnings) reporter.warn(w);
      const patched = patchFlashParams(
        checked.firmware,
        target.chip,
        {
          mode: (flags.flashMode ?? 'keep') as never,
          ...(flags.flashSize !== undefined ? { size: flags.flashSize } : {}),
          freq: flags.flashFreq ?? 'keep',
        },
        target.flashSizeBytes,
      );
      paramsNote = patched.description;
      if (patched.changed) reporter.info(`Flash parameters: ${patched.description}`);
      return { bytes: patched.bytes, address: checked.address };
    };
    const r = await session.flash({
      prepare,
      eraseAll: Boolean(flags.erase),
      skipUnchanged: flags.skip !== false,
      ...(flags.backup ? { backup: (data: Uint8Array) => saveBackup(flags.backup!, data, io) } : {}),
    });
    return { r, chip: session.chip };
  });

  let bootCheck: Readonly<Record<string, unknown>> | undefined;
  if (hooks.afterFlash && flags.bootCheck !== false && (flags.after ?? 'hard-reset') === 'hard-reset') {
    bootCheck = await hooks.afterFlash({
      chip: result.chip,
      result: result.r,
      portSpec,
      openTransport: () => openTransportFor(portSpec),
      options: flags as Record<string, unknown>,
      reporter: io.reporter,
    });
  }
  printSummary(result.r, fileName, io);
  return {
    result: {
      ...result.r,
      file: fileName ?? null,
      port: portSpec,
      flashParams: paramsNote,
      warnings,
      ...(provenance ? { firmware: provenance } : {}),
      ...(bootCheck ? { bootCheck } : {}),
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
