import type { Command } from 'commander';
import { basename } from 'node:path';
import type { ChipSpec } from '../../chips/index.js';
import { fileMd5 } from '../../flasher/md5.js';
import { analyzeFirmware } from '../../image/firmware-file.js';
import { defaultFlashParams, patchFlashParams } from '../../image/flash-params.js';
import { readInputFile } from '../input-file.js';
import { type ConnectionFlags, addConnectionOptions, withSession } from '../connect-options.js';
import { parseSize, runCommand, type GlobalOptions } from '../run-command.js';

interface VerifyFlags extends ConnectionFlags, GlobalOptions {
  addr?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('verify')
    .description('check that the flash holds FILE (MD5 computed by the chip)')
    .argument('<file>', 'firmware .bin or any binary file');
  addConnectionOptions(cmd)
    .option('--addr <address>', 'where FILE should be (default: where a firmware image of this kind goes)')
    .action(async (file: string, _o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<VerifyFlags>();
      await runCommand(flags, async (io) => {
        const bytes = await readInputFile(file);
        const explicit = flags.addr !== undefined ? parseSize(flags.addr, '--addr') : undefined;
        const r = await withSession(flags, io, async (session) => {
          const address = explicit ?? defaultAddress(bytes, file, session.chip.bootloaderOffset);
          const plain = await session.verify({ image: bytes, address });
          if (plain.match) return plain;
          // `flash` writes the header with its default flash parameters (ESP8266: size detect), so the
          // file it just wrote differs from the flash in bytes 2-3; that still is this file, as flashed.
          const asFlashed = withDefaultFlashParams(bytes, file, session.chip, session.flashSizeBytes, address);
          if (asFlashed && fileMd5(asFlashed.bytes) === plain.flashMd5) {
            io.reporter.info(`The flash holds ${basename(file)} with the header's ${asFlashed.description}`);
            return { ...plain, match: true, differing: [], flashParams: asFlashed.description };
          }
          return plain;
        });
        const where = `0x${r.address.toString(16)}`;
        if (r.match) io.print(`${basename(file)} matches the flash at ${where} (MD5 ${r.fileMd5}).`);
        else {
          io.print(`${basename(file)} differs from the flash at ${where}: file MD5 ${r.fileMd5}, flash MD5 ${r.flashMd5}.`);
          for (const d of r.differing) io.print(`  differs: 0x${d.offset.toString(16)} +0x${d.length.toString(16)}`);
        }
        return { result: r, exitCode: r.match ? 0 : 5 };
      });
    });
}

/** The file as `flash` would have written it by default, when that differs from the file itself. */
function withDefaultFlashParams(bytes: Uint8Array, file: string, chip: ChipSpec, flashBytes: number | undefined, address: number) {
  try {
    const patched = patchFlashParams(analyzeFirmware(bytes, basename(file)), chip, defaultFlashParams(chip), flashBytes, address);
    return patched.changed ? patched : undefined;
  } catch {
    return undefined;
  }
}

/** A firmware image goes where its kind says (e.g. .app-bin at 0x10000); anything else at the bootloader offset. */
function defaultAddress(bytes: Uint8Array, file: string, fallback: number): number {
  try {
    return analyzeFirmware(bytes, basename(file)).suggestedOffset;
  } catch {
    return fallback;
  }
}
