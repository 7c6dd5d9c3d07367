import type { Command } from 'commander';
import { formatSize } from '../../flasher/spi-flash.js';
import { type ConnectionFlags, addConnectionOptions, withSession } from '../connect-options.js';
import { parseSize, runCommand, type GlobalOptions } from '../run-command.js';

export function register(program: Command): void {
  const cmd = program
    .command('erase-region')
    .description('erase SIZE bytes of flash from ADDR (both multiples of 4 KiB; esptool erase_region)')
    .argument('<addr>', 'start address, e.g. 0x200000')
    .argument('<size>', 'bytes, e.g. 0x10000 or 64K');
  addConnectionOptions(cmd).action(async (addrText: string, sizeText: string, _o: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ConnectionFlags & GlobalOptions>();
    await runCommand(flags, async (io) => {
      const address = parseSize(addrText, 'ADDR');
      const size = parseSize(sizeText, 'SIZE');
      const chip = await withSession(flags, io, async (session) => {
        await session.eraseRegion(address, size);
        return session.chip.name;
      });
      io.print(`Erased ${formatSize(size)} at 0x${address.toString(16)} of the ${chip}.`);
      return { result: { chip, address, size } };
    });
  });
}
