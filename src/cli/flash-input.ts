/**
 * `flash`'s positional arguments and --from-build turned into what the flash job writes: one file, or
 * several parts. A build folder also brings its flash settings and chip; flags the user typed win.
 */
import type { Command } from 'commander';
import { basename } from 'node:path';
import { UpyflashError } from '../errors.js';
import type { FirmwareParts } from '../image/firmware-parts.js';
import { parseFlashInput, readBuildFolder, readParts } from './firmware-input.js';
import { CHIPS } from '../chips/index.js';
import { mergedImageStart } from '../image/merge.js';
import { readInputFile } from './input-file.js';
import { parseSize } from './run-command.js';

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

/**
 * A merge made for 0x0 (esptool merge_bin's default) starts with erased flash up to the bootloader: it is
 * written as the one image it holds, at the address that lead-in implies; the 0xFF lead-in is skipped
 * (esptool would write it; it is erased flash either way unless something lives there).
 */
async function zeroBasedMerge(file: string, address: number): Promise<FlashFirmwareInput | undefined> {
  const bytes = await readInputFile(file);
  const start = mergedImageStart(bytes, CHIPS);
  if (start === 0) return undefined;
  return {
    parts: { parts: [{ address: address + start, bytes: bytes.subarray(start), fileName: basename(file) }] },
    label: `${basename(file)} (from 0x${(address + start).toString(16)}; the 0xFF lead-in skipped)`,
  };
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
  const fromZero = input.file !== undefined ? await zeroBasedMerge(input.file, input.address ?? (flags.addr !== undefined ? parseSize(flags.addr, '--addr') : 0)) : undefined;
  if (fromZero) return fromZero;
  return {
    ...(input.file !== undefined ? { file: input.file } : {}),
    ...(input.address !== undefined ? { address: `0x${input.address.toString(16)}` } : {}),
  };
}
