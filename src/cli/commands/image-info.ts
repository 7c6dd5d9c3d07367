import type { Command } from 'commander';
import { basename } from 'node:path';
import { describeFirmware, formatImageInfo } from '../../image/describe.js';
import { analyzeFirmware } from '../../image/firmware-file.js';
import { mergedImageStart } from '../../image/merge.js';
import { CHIPS } from '../../chips/index.js';
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
        // A merge written with --target-offset 0 starts with erased flash up to the bootloader offset.
        const start = mergedImageStart(bytes, CHIPS);
        const info = describeFirmware(analyzeFirmware(start ? bytes.subarray(start) : bytes, basename(file)));
        if (start) io.print(`The file starts at flash 0x0; the image proper starts at file offset 0x${start.toString(16)} (flash it with --addr 0x0 --force-addr, or merge without --target-offset 0).`);
        io.print(formatImageInfo(info));
        return { result: start ? { ...info, fileStartsAt: 0, imageOffsetInFile: start } : info };
      });
    });
}
