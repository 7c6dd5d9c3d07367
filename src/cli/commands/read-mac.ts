import type { Command } from 'commander';
import { UpyflashError } from '../../errors.js';
import { type ConnectionFlags, addConnectionOptions, withSession } from '../connect-options.js';
import { runCommand, type GlobalOptions } from '../run-command.js';

export function register(program: Command): void {
  const cmd = program.command('read-mac').description("print the chip's factory MAC address (esptool read_mac)");
  addConnectionOptions(cmd).action(async (_o: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ConnectionFlags & GlobalOptions>();
    await runCommand(flags, async (io) => {
      const d = await withSession(flags, io, async (session) => session.detect());
      if (!d.mac) {
        throw new UpyflashError('UNSUPPORTED_COMMAND', `The ${d.chip} did not give its MAC address${d.secureDownload ? ' (Secure Download Mode hides the eFuses)' : ''}.`);
      }
      io.print(`MAC: ${d.mac}`);
      return { result: { chip: d.chip, mac: d.mac } };
    });
  });
}
