import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import type { ChipSpec } from '../../chips/index.js';
import { analyzeFirmware, firmwareChip } from '../../image/firmware-file.js';
import { sniffFile } from '../../image/sniff.js';
import { UpyflashError } from '../../errors.js';
import { fileMd5 } from '../../flasher/md5.js';
import { formatSize } from '../../flasher/spi-flash.js';
import { checkFirmwareParts, type InputPart } from '../../image/firmware-parts.js';
import { mergeParts } from '../../image/merge.js';
import { parseChipFlag } from '../connect-options.js';
import { parseAddressedFiles, readParts } from '../firmware-input.js';
import { parseSize, runCommand, type GlobalOptions } from '../run-command.js';

interface MergeFlags extends GlobalOptions {
  output: string;
  chip?: string;
  fillFlashSize?: string;
  targetOffset?: string;
  flashMode?: string;
  flashSize?: string;
  flashFreq?: string;
}

export function register(program: Command): void {
  program
    .command('merge-bin')
    .description('lay ADDR FILE parts into one image (gaps 0xFF) that flashes as one file (esptool merge_bin)')
    .argument('<parts...>', 'ADDR FILE pairs, e.g. 0x1000 bootloader.bin 0x8000 partition-table.bin 0x10000 micropython.bin')
    .requiredOption('-o, --output <file>', 'the merged image to write')
    .option('-c, --chip <chip>', 'the chip (default: read from the images)')
    .option('--fill-flash-size <size>', 'pad with 0xFF up to this flash size, e.g. 4MB')
    .option('--target-offset <addr>', "flash address of the output's first byte (default: the chip's bootloader offset; esptool's default is 0)")
    .option('--flash-mode <mode>', 'keep, qio, qout, dio or dout', 'keep')
    .option('--flash-size <size>', 'keep or a size such as 4MB', 'keep')
    .option('--flash-freq <freq>', 'keep or a frequency such as 40m', 'keep')
    .action(async (args: string[], _o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<MergeFlags>();
      await runCommand(flags, async (io) => {
        const pairs = parseAddressedFiles(args, 'merge-bin');
        const parts = await readParts(pairs);
        const chip = parseChipFlag(flags.chip) ?? chipOfParts(parts);
        // The same checks as flashing these parts: a merge that could not be flashed is refused now.
        const checked = checkFirmwareParts({ parts }, { chip });
        for (const w of checked.warnings) io.reporter.warn(w);
        const merged = mergeParts(parts, {
          chip,
          ...(flags.targetOffset !== undefined ? { targetOffset: parseSize(flags.targetOffset, '--target-offset') } : {}),
          ...(flags.fillFlashSize !== undefined ? { fillFlashBytes: parseSize(flags.fillFlashSize, '--fill-flash-size') } : {}),
          flashParams: { mode: (flags.flashMode ?? 'keep') as never, size: flags.flashSize ?? 'keep', freq: flags.flashFreq ?? 'keep' },
        });
        try {
          await writeFile(flags.output, merged.bytes);
        } catch (e) {
          throw new UpyflashError('FILE_ERROR', `Cannot write ${flags.output}: ${(e as Error).message}`, { cause: e });
        }
        const md5 = fileMd5(merged.bytes);
        io.print(`Wrote ${formatSize(merged.bytes.length)} to ${flags.output}: ${parts.length} parts for the ${chip.name}, starting at 0x${merged.targetOffset.toString(16)} (MD5 ${md5}).`);
        io.print(`Flash it with: upyflash flash ${flags.output}${merged.targetOffset === chip.bootloaderOffset ? '' : ` --addr 0x${merged.targetOffset.toString(16)} --force-addr`}`);
        return {
          result: {
            file: flags.output,
            chip: chip.id,
            targetOffset: merged.targetOffset,
            size: merged.bytes.length,
            md5,
            flashParams: merged.flashParams,
            parts: checked.parts.map((p) => ({ address: p.address, size: p.bytes.length, file: p.fileName ?? null, role: p.role })),
          },
        };
      });
    });
}

/** The chip the first image among the parts was built for (ESP8266 images carry no chip id, only their layout). */
function chipOfParts(parts: readonly InputPart[]): ChipSpec {
  for (const p of parts) {
    if (sniffFile(p.bytes) !== 'esp-image') continue;
    return firmwareChip(analyzeFirmware(p.bytes, p.fileName));
  }
  throw new UpyflashError('BAD_ARGUMENT', 'None of the files is an ESP image, so the chip is unknown; give --chip (e.g. --chip esp32).');
}
