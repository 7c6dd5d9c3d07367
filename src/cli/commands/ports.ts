import type { Command } from 'commander';
import { formatPortLine, listHostPorts } from '../port-choice.js';
import { runCommand, type GlobalOptions } from '../run-command.js';

export function register(program: Command): void {
  program
    .command('ports')
    .description('list serial ports and which of them look like ESP boards')
    .action(async (_o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions>();
      await runCommand(flags, async (io) => {
        const ports = await listHostPorts();
        if (ports.length === 0) io.print('No serial ports found. Plug the board in with a data USB cable (run `upyflash doctor` for help); `upyflash virtual-board` serves a virtual one.');
        for (const p of ports) io.print(formatPortLine(p));
        return { result: ports };
      });
    });
}
