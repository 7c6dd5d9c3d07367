import type { Command } from 'commander';
import { CHIP_IDS, chipById } from '../../chips/index.js';
import type { ChipId } from '../../chips/types.js';
import { UpyflashError } from '../../errors.js';
import { VirtualBoard } from '../../virtual-board/board.js';
import { micropythonApp } from '../../virtual-board/micropython/index.js';
import { fileFlashStore } from '../../virtual-board/node/flash-file.js';
import { startVirtualBoardServer } from '../../virtual-board/node/server.js';
import { loadStubImage } from '../../stub/node/esptool-js-stubs.js';
import { parseSize, runCommand, type GlobalOptions } from '../run-command.js';

interface VirtualBoardFlags extends GlobalOptions {
  chip: string;
  listen: string;
  flash?: string;
  flashSize?: string;
  boot?: string;
  behaviour?: string;
  linkModel?: boolean;
  flashTiming?: boolean;
  byteErrorRate?: string;
  seed?: string;
  ramCode?: string;
}

const BEHAVIOURS = ['normal', 'silent', 'no-sync', 'ignore-reset'] as const;

export function register(program: Command): void {
  program
    .command('virtual-board')
    .description('serve a virtual ESP board over TCP (RFC 2217 with DTR/RTS and baud, or raw socket://) until Ctrl-C')
    .option('-c, --chip <chip>', `chip to emulate: ${CHIP_IDS.join(', ')}`, 'esp32')
    .option('--listen <host:port>', 'address to listen on (port 0 = any free port)', '127.0.0.1:5555')
    .option('--flash <file>', 'keep the flash in FILE (created erased when missing; holds the flash after exit)')
    .option('--flash-size <size>', 'flash size, e.g. 4M (default: the chip data default)')
    .option('--boot <mode>', 'normal, or download (GPIO0 held low as if BOOT were pressed)', 'normal')
    .option('--behaviour <b>', `misbehave for diagnostics: ${BEHAVIOURS.join(', ')}`, 'normal')
    .option('--no-link-model', 'deliver bytes instantly instead of at the baud rate')
    .option('--no-flash-timing', 'erase and program flash instantly')
    .option('--byte-error-rate <rate>', 'corrupt host->chip bytes at this rate (tests)')
    .option('--seed <n>', 'seed for injected faults', '1')
    .option('--ram-code <mode>', 'a program started with MEM_END that is no known flasher stub: stub (run it as one) or reboot (user code)', 'stub')
    .action(async (_o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<VirtualBoardFlags>();
      await runCommand(flags, async (io) => {
        const chip = chipById(flags.chip);
        if (!chip) throw new UpyflashError('BAD_ARGUMENT', `Unknown chip "${flags.chip}"; use one of ${CHIP_IDS.join(', ')}.`);
        const m = /^(.*):(\d+)$/.exec(flags.listen);
        if (!m) throw new UpyflashError('BAD_ARGUMENT', `--listen ${flags.listen}: expected HOST:PORT, e.g. 127.0.0.1:5555`);
        const behaviour = flags.behaviour ?? 'normal';
        if (!(BEHAVIOURS as readonly string[]).includes(behaviour)) {
          throw new UpyflashError('BAD_ARGUMENT', `--behaviour ${behaviour}: use one of ${BEHAVIOURS.join(', ')}`);
        }
        if (flags.boot !== 'normal' && flags.boot !== 'download') {
          throw new UpyflashError('BAD_ARGUMENT', `--boot ${flags.boot}: use normal or download`);
        }
        if (flags.ramCode !== 'stub' && flags.ramCode !== 'reboot') {
          throw new UpyflashError('BAD_ARGUMENT', `--ram-code ${flags.ramCode}: use stub or reboot`);
        }
        const errorRate = flags.byteErrorRate !== undefined ? Number(flags.byteErrorRate) : undefined;
        const board = new VirtualBoard({
          chip: chip.id as ChipId,
          bootMode: flags.boot,
          behaviour: behaviour as (typeof BEHAVIOURS)[number],
          linkModel: flags.linkModel !== false,
          flashTiming: flags.flashTiming !== false,
          stubImage: () => loadStubImage(chip),
          ramCode: flags.ramCode,
          app: micropythonApp(),
          ...(flags.flash ? { store: fileFlashStore(flags.flash) } : {}),
          ...(flags.flashSize ? { flashBytes: parseSize(flags.flashSize, '--flash-size') } : {}),
          ...(errorRate !== undefined ? { faults: { byteErrorRate: errorRate, seed: Number(flags.seed ?? 1) } } : {}),
        });
        const server = await startVirtualBoardServer({ board, host: m[1]!, port: Number(m[2]) });
        const hostPort = `${server.host}:${server.port}`;
        const urls = { rfc2217: `rfc2217://${hostPort}`, socket: `socket://${hostPort}` };
        // Printed even with --json (on stderr there): scripts and tests wait for this line.
        process.stderr.write(`virtual ${chip.name} listening on ${urls.rfc2217} (DTR/RTS and baud) and ${urls.socket} (raw)\n`);
        io.print(`Try: upyflash detect --port ${urls.rfc2217}`);
        if (flags.flash) io.print(`Flash contents are kept in ${flags.flash}`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await server.close();
        board.close();
        io.print('virtual board stopped');
        return { result: { chip: chip.id, ...urls, flashFile: flags.flash ?? null } };
      });
    });
}
