import type { Command } from 'commander';
import { basename } from 'node:path';
import { describeFirmware, formatImageInfo } from '../../image/describe.js';
import { analyzeFirmware } from '../../image/firmware-file.js';
import { readInputFile } from '../input-file.js';
import { runCommand, type GlobalOptions } from '../run-command.js';

export function register(program: Command): void {
  program
    .command('image-info')
    .description('show what a firmware file holds: chip, layout, flash parameters, MicroPython version, checksums')
    .argument('<file>', 'firmware .bin / .app-bin')
    .action(async (file: string, _o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions>();
      await runCommand(flags, async (io) => {
        const bytes = await readInputFile(file);
        const info = describeFirmware(analyzeFirmware(bytes, basename(file)));
        io.print(formatImageInfo(info));
        return { result: info };
      });
    });
}
