import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UpyflashError } from '../../errors.js';
import { analyzeFirmware } from '../../image/firmware-file.js';
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
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await readFile(file));
        } catch (e) {
          throw new UpyflashError('FILE_ERROR', `Cannot read ${file}: ${(e as Error).message}`, { cause: e });
        }
        const explicit = flags.addr !== undefined ? parseSize(flags.addr, '--addr') : undefined;
        const r = await withSession(flags, io, async (session) => {
          const address = explicit ?? defaultAddress(bytes, file, session.chip.bootloaderOffset);
          return session.verify({ image: bytes, address });
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

/** A firmware image goes where its kind says (e.g. .app-bin at 0x10000); anything else at the bootloader offset. */
function defaultAddress(bytes: Uint8Array, file: string, fallback: number): number {
  try {
    return analyzeFirmware(bytes, basename(file)).suggestedOffset;
  } catch {
    return fallback;
  }
}
