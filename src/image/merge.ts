/**
 * esptool's merge_bin: several ADDR FILE parts laid into one image, gaps filled with 0xFF (erased
 * flash), so the result can be flashed as one file. Unlike esptool (which starts at 0x0 unless told
 * otherwise), the image starts at the chip's bootloader offset by default, as MicroPython's published
 * .bin files do: `upyflash flash merged.bin` then puts it where it belongs without an address.
 */
import type { ChipSpec } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { hex } from './bytes.js';
import { checkNoOverlap, type InputPart } from './firmware-parts.js';
import { analyzeFirmware, type FirmwareFile } from './firmware-file.js';
import { type FlashParams, patchFlashParams } from './flash-params.js';
import { PARTITION_TABLE_MAX_LEN, PARTITION_TABLE_OFFSET } from './partition-table.js';

export interface MergeOptions {
  readonly chip: ChipSpec;
  /** Flash address of the output's first byte (default: the chip's bootloader offset). */
  readonly targetOffset?: number;
  /** Pad with 0xFF up to this flash address (esptool's --fill-flash-size). */
  readonly fillFlashBytes?: number;
  readonly flashParams?: FlashParams;
}

export interface MergeResult {
  readonly bytes: Uint8Array;
  readonly targetOffset: number;
  /** What was done to the flash parameters of the image at the bootloader offset. */
  readonly flashParams: string;
}

export function mergeParts(parts: readonly InputPart[], opts: MergeOptions): MergeResult {
  if (parts.length === 0) throw new UpyflashError('BAD_ARGUMENT', 'merge-bin needs at least one ADDR FILE pair.');
  checkNoOverlap(parts);
  const target = opts.targetOffset ?? opts.chip.bootloaderOffset;
  const sorted = [...parts].sort((a, b) => a.address - b.address);
  const first = sorted[0]!;
  if (first.address < target) {
    throw new UpyflashError(
      'BAD_ARGUMENT',
      `${first.fileName ?? 'A part'} goes at ${hex(first.address)}, before the image start ${hex(target)}; use --target-offset ${hex(first.address)} or lower.`,
    );
  }
  const last = sorted[sorted.length - 1]!;
  const end = Math.max(last.address + last.bytes.length, opts.fillFlashBytes ?? 0);
  const out = new Uint8Array(end - target).fill(0xff);
  let flashParams = 'flash parameters left as they are: no image at the bootloader offset';
  for (const p of sorted) {
    let bytes = p.bytes;
    if (p.address === opts.chip.bootloaderOffset && bytes[0] === 0xe9) {
      const patched = patchFlashParams(analyzeFirmware(bytes, p.fileName), opts.chip, opts.flashParams ?? {}, undefined, p.address);
      bytes = patched.bytes;
      flashParams = patched.description;
    }
    out.set(bytes, p.address - target);
  }
  return { bytes: out, targetOffset: target, flashParams };
}

/**
 * The chip's bootloader offset when a file begins with erased flash up to it (a merge written with
 * --target-offset 0): the image proper starts there.
 */
export function mergedImageStart(bytes: Uint8Array, chips: readonly ChipSpec[]): number {
  if (bytes[0] === 0xe9) return 0;
  for (const c of chips) {
    const at = c.bootloaderOffset;
    if (at > 0 && bytes.length > at && bytes[at] === 0xe9 && bytes.subarray(0, at).every((b) => b === 0xff)) return at;
  }
  return 0;
}

/** Bootloader, partition table and app of a merged image, as the separate files a build writes. */
export function splitMerged(fw: FirmwareFile): { bootloader: InputPart; partitionTable?: InputPart; app?: InputPart } {
  if (fw.kind !== 'merged' || !fw.chip) throw new UpyflashError('BAD_ARGUMENT', 'Only a merged ESP32-family image can be split into parts.');
  const base = fw.suggestedOffset;
  const bootLen = fw.bootloader.length;
  const tableAt = PARTITION_TABLE_OFFSET - base;
  return {
    bootloader: { address: base, bytes: fw.bytes.slice(0, bootLen), fileName: 'bootloader.bin' },
    partitionTable: { address: PARTITION_TABLE_OFFSET, bytes: fw.bytes.slice(tableAt, tableAt + PARTITION_TABLE_MAX_LEN), fileName: 'partition-table.bin' },
    ...(fw.app ? { app: { address: base + fw.app.offsetInFile, bytes: fw.bytes.slice(fw.app.offsetInFile, fw.app.offsetInFile + fw.app.length), fileName: 'micropython.bin' } } : {}),
  };
}
