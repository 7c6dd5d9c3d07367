/**
 * `flash`'s positional arguments and --from-build turned into what the flash job writes: one file, or
 * several parts. A build folder also brings its flash settings and chip; flags the user typed win.
 */
import type { Command } from 'commander';
import { basename } from 'node:path';
import { UpyflashError } from '../errors.js';
import type { FirmwareParts } from '../image/firmware-parts.js';
import { parseFlashInput, readBuildFolder, readParts } from './firmware-input.js';

export interface FlashFirmwareInput {
  readonly file?: string;
  /** The ADDR of a single ADDR FILE pair, as typed. */
  readonly address?: string;
  readonly parts?: FirmwareParts;
  /** How the summary names a multi-part input. */
  readonly label?: string;
}

interface BuildSettable {
  chip?: string;
  flashMode?: string;
  flashSize?: string;
  flashFreq?: string;
  addr?: string;
}

const userSet = (command: Command, key: string): boolean => {
  const source = command.getOptionValueSource(key);
  return source !== undefined && source !== 'default';
};

export async function flashFirmwareInput(files: readonly string[], flags: BuildSettable & { fromBuild?: string }, command: Command): Promise<FlashFirmwareInput> {
  if (flags.fromBuild !== undefined) {
    if (files.length > 0) {
      throw new UpyflashError('BAD_ARGUMENT', `--from-build ${flags.fromBuild} names the files to write; leave out ${files.join(' ')}.`);
    }
    const build = await readBuildFolder(flags.fromBuild);
    const s = build.args;
    if (s.chip && !userSet(command, 'chip')) flags.chip = s.chip;
    if (s.flashParams.mode && !userSet(command, 'flashMode')) flags.flashMode = s.flashParams.mode;
    if (s.flashParams.size && !userSet(command, 'flashSize')) flags.flashSize = s.flashParams.size;
    if (s.flashParams.freq && !userSet(command, 'flashFreq')) flags.flashFreq = s.flashParams.freq;
    return { parts: build.firmware, label: `${build.pairs.length} files from ${flags.fromBuild}` };
  }
  const input = parseFlashInput(files);
  if ('pairs' in input) {
    if (flags.addr !== undefined) throw new UpyflashError('BAD_ARGUMENT', '--addr does not apply to ADDR FILE pairs: each file already has its address.');
    const parts = await readParts(input.pairs);
    return { parts: { parts }, label: `${parts.length} files (${input.pairs.map((p) => basename(p.path)).join(', ')})` };
  }
  if (input.address !== undefined && flags.addr !== undefined) {
    throw new UpyflashError('BAD_ARGUMENT', `Both --addr ${flags.addr} and ADDR ${input.address.toString(16)} given; keep one.`);
  }
  return {
    ...(input.file !== undefined ? { file: input.file } : {}),
    ...(input.address !== undefined ? { address: `0x${input.address.toString(16)}` } : {}),
  };
}
