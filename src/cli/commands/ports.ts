import type { Command } from 'commander';
import { listPorts } from '../../ports/index.js';
import { runCommand, type GlobalOptions } from '../run-command.js';

export function register(program: Command): void {
  program
    .command('ports')
    .description('list serial ports and which of them look like ESP boards')
    .action(async (_o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions>();
      await runCommand(flags, async (io) => {
        const ports = await listPorts();
        if (ports.length === 0) io.print('No serial ports found. Plug the board in with a data USB cable; `upyflash virtual-board` serves a virtual one.');
        for (const p of ports as unknown as Array<Record<string, unknown> & { path: string }>) {
          const extra = Object.entries(p)
            .filter(([k, v]) => k !== 'path' && v !== undefined && v !== null && v !== '')
            .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
            .join('  ');
          io.print(`${p.path}${extra ? `  ${extra}` : ''}`);
        }
        return { result: ports };
      });
    });
}
