import type { Command } from 'commander';
import { formatSize } from '../../flasher/spi-flash.js';
import { type ConnectionFlags, addConnectionOptions, withSession } from '../connect-options.js';
import { runCommand, type GlobalOptions } from '../run-command.js';

export function register(program: Command): void {
  const cmd = program.command('erase').description('erase the whole flash (MicroPython and all files on the board)');
  addConnectionOptions(cmd).action(async (_o: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ConnectionFlags & GlobalOptions>();
    await runCommand(flags, async (io) => {
      const r = await withSession(flags, io, async (session) => {
        await session.erase();
        return { chip: session.chip.name, flashBytes: session.flashSizeBytes ?? null, stub: session.usingStub };
      });
      io.print(`Erased ${r.flashBytes ? formatSize(r.flashBytes) : 'the flash'} of the ${r.chip}.`);
      return { result: r };
    });
  });
}
