import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { UpyflashError } from '../../errors.js';
import { fileMd5 } from '../../flasher/md5.js';
import { formatSize } from '../../flasher/spi-flash.js';
import { type ConnectionFlags, addConnectionOptions, withSession } from '../connect-options.js';
import { parseSize, runCommand, type GlobalOptions } from '../run-command.js';

export function register(program: Command): void {
  const cmd = program
    .command('read-flash')
    .description('copy SIZE bytes of flash from ADDR into the file OUT (needs the flasher stub)')
    .argument('<addr>', 'start address, e.g. 0x0')
    .argument('<size>', 'bytes, e.g. 0x400000, 4M or "all"')
    .argument('<out>', 'file to write');
  addConnectionOptions(cmd).action(async (addrText: string, sizeText: string, out: string, _o: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ConnectionFlags & GlobalOptions>();
    await runCommand(flags, async (io) => {
      const addr = parseSize(addrText, 'ADDR');
      const r = await withSession(flags, io, async (session) => {
        const size = sizeText === 'all' ? (session.flashSizeBytes ?? 0) - addr : parseSize(sizeText, 'SIZE');
        if (size <= 0) throw new UpyflashError('BAD_ARGUMENT', `Nothing to read: SIZE ${sizeText} at ADDR ${addrText}`);
        if (session.flashSizeBytes !== undefined && addr + size > session.flashSizeBytes) {
          throw new UpyflashError('BAD_ARGUMENT', `0x${addr.toString(16)} + ${size} is beyond the ${formatSize(session.flashSizeBytes)} flash`);
        }
        return { data: await session.readFlash(addr, size), chip: session.chip.name };
      });
      try {
        await writeFile(out, r.data);
      } catch (e) {
        throw new UpyflashError('FILE_ERROR', `Cannot write ${out}: ${(e as Error).message}`, { cause: e });
      }
      const md5 = fileMd5(r.data);
      io.print(`Read ${formatSize(r.data.length)} from 0x${addr.toString(16)} of the ${r.chip} into ${out} (MD5 ${md5}, checked by the chip).`);
      return { result: { chip: r.chip, address: addr, size: r.data.length, file: out, md5 } };
    });
  });
}
