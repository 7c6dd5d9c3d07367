import type { Command } from 'commander';
import { UpyflashError } from '../../errors.js';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { shareSerialPorts } from '../serial-sharing.js';

interface ServeFlags extends GlobalOptions {
  bind: string;
  basePort: string;
  allow: string[];
  resetHandling?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function register(program: Command): void {
  program
    .command('serve')
    .description("share serial ports over RFC 2217 (rfc2217://HOST:PORT), with esptool's esp_rfc2217_server reset handling, until Ctrl-C")
    .argument('<port...>', 'serial ports to share (/dev/ttyUSB0, COM3, virtual:esp32 ...)')
    .option('--bind <addr>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--base-port <n>', 'TCP port of the first shared port; the next ones follow (0: any free ports)', '4000')
    .option('--allow <host>', 'accept only clients from HOST (repeatable); others are refused', collect, [])
    .option('--no-reset-handling', 'pass DTR/RTS on as they come instead of playing reset sequences with the chip timing')
    .action(async (ports: string[], _o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ServeFlags>();
      await runCommand(flags, async (io) => {
        const basePort = Number(flags.basePort);
        if (!Number.isInteger(basePort) || basePort < 0 || basePort + ports.length - 1 > 65535) {
          throw new UpyflashError('BAD_ARGUMENT', `--base-port ${flags.basePort}: give a TCP port number (0 for any free ports)`);
        }
        // The log goes to stderr, with --json too: it is the record of who used which board.
        const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
        const shared = await shareSerialPorts({
          ports,
          bind: flags.bind,
          basePort,
          allow: flags.allow,
          resetHandling: flags.resetHandling !== false,
          log,
        });
        for (const p of shared.ports) process.stderr.write(`sharing ${p.spec} on ${p.url}\n`);
        if (flags.allow.length) io.print(`Only ${flags.allow.join(', ')} may connect.`);
        io.print(`Try: upyflash flash --port ${shared.ports[0]!.url} firmware.bin`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await shared.close();
        io.print('sharing stopped');
        return { result: { ports: shared.ports.map((p) => ({ port: p.spec, url: p.url })) } };
      });
    });
}
