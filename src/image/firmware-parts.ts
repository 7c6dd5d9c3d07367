/**
 * Several files at several addresses, as esptool's `write_flash ADDR FILE ADDR FILE ...` and an ESP-IDF
 * build folder give them (bootloader at the chip's bootloader offset, partition table at 0x8000, app at
 * its partition). Each part is checked for what belongs at its address before anything is erased: the
 * whole set is refused when one part is wrong, so the board never ends up half-updated by a mistake.
 */
import type { ChipSpec } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { formatBytes, hex } from './bytes.js';
import { analyzeFirmware, type FirmwareFile } from './firmware-file.js';
import { PARTITION_TABLE_OFFSET, PARTITION_TYPE_APP, looksLikePartitionTable, parsePartitionTable, partitionsEnd, type Partition } from './partition-table.js';
import { sniffFile } from './sniff.js';
import { validateFirmware } from './validate.js';

/** One ADDR FILE pair as the user gave it. */
export interface InputPart {
  readonly address: number;
  readonly bytes: Uint8Array;
  readonly fileName?: string;
}

/** A multi-part firmware: what `prepareFirmware` takes besides a single file. */
export interface FirmwareParts {
  readonly parts: readonly InputPart[];
  /** Where the partition table goes (ESP-IDF's CONFIG_PARTITION_TABLE_OFFSET; 0x8000 unless changed). */
  readonly partitionTableOffset?: number;
}

export type PartRole = 'bootloader' | 'merged' | 'partition-table' | 'app' | 'data';

export interface CheckedPart extends InputPart {
  readonly role: PartRole;
  /** The parsed image, for bootloader, merged and app parts. */
  readonly firmware?: FirmwareFile;
  readonly partitions?: Partition[];
}

export interface PartsCheck {
  readonly chip: ChipSpec;
  readonly flashBytes?: number;
  readonly chipRevision?: number;
}

export function isFirmwareParts(x: FirmwareFile | FirmwareParts): x is FirmwareParts {
  return 'parts' in x && Array.isArray((x as FirmwareParts).parts);
}

function nameOf(p: InputPart): string {
  return p.fileName ? `"${p.fileName}"` : `the part at ${hex(p.address)}`;
}

function conflict(message: string, details: Record<string, unknown>): UpyflashError {
  return new UpyflashError('PARTS_CONFLICT', message, { details });
}

/** Refuses parts that claim the same flash bytes, naming both files. */
export function checkNoOverlap(parts: readonly InputPart[]): void {
  const sorted = [...parts].sort((a, b) => a.address - b.address);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a.address + a.bytes.length > b.address) {
      throw conflict(
        `${nameOf(a)} at ${hex(a.address)} ends at ${hex(a.address + a.bytes.length)}, past the start of ${nameOf(b)} at ${hex(b.address)}: the parts overlap.`,
        { first: a.address, firstEnd: a.address + a.bytes.length, second: b.address },
      );
    }
  }
}

/** Runs the single-file checks on one image part; its own address check is replaced by the role's. */
function checkImage(p: InputPart, check: PartsCheck, warnings: string[]): FirmwareFile {
  const fw = analyzeFirmware(p.bytes, p.fileName);
  const checked = validateFirmware(fw, {
    chip: check.chip,
    partOfSet: true,
    ...(check.chipRevision !== undefined ? { chipRevision: check.chipRevision } : {}),
  });
  warnings.push(...checked.warnings.map((w) => `${nameOf(p)}: ${w}`));
  return checked.firmware;
}

function checkBootloaderPart(p: InputPart, check: PartsCheck, warnings: string[]): CheckedPart {
  if (sniffFile(p.bytes) !== 'esp-image') {
    analyzeFirmware(p.bytes, p.fileName); // names what the file is instead (web page, .elf, ...)
  }
  const fw = checkImage(p, check, warnings);
  if (fw.kind === 'app') {
    throw new UpyflashError(
      'WRONG_ADDRESS',
      `${nameOf(p)} is an application image, but ${hex(p.address)} is where the ${check.chip.name} bootloader goes; the application goes at its partition (usually ${hex(check.chip.appOffset)}).`,
      { details: { address: p.address, expected: check.chip.appOffset, kind: fw.kind } },
    );
  }
  const { bytes: _b, ...rest } = p;
  return { ...rest, bytes: fw.bytes, role: fw.kind === 'bootloader-only' ? 'bootloader' : 'merged', firmware: fw };
}

function checkTablePart(p: InputPart): CheckedPart {
  if (!looksLikePartitionTable(p.bytes)) {
    throw new UpyflashError(
      'NOT_AN_IMAGE',
      `${nameOf(p)} at ${hex(p.address)} is where the partition table goes, but it is not a partition table (it does not start with AA 50).`,
      { hint: 'Put partition-table.bin at 0x8000 (in an ESP-IDF build folder: build/partition_table/partition-table.bin).', details: { address: p.address } },
    );
  }
  try {
    return { ...p, role: 'partition-table', partitions: parsePartitionTable(p.bytes) };
  } catch (e) {
    if (e instanceof UpyflashError) {
      throw new UpyflashError(e.kind, `${nameOf(p)}: ${e.message}`, { hint: 'Rebuild the partition table (idf.py partition-table) or take it from the same build as the other parts.', details: { ...e.details }, cause: e });
    }
    throw e;
  }
}

function checkAppPart(p: InputPart, fw: FirmwareFile, table: Partition[] | undefined, check: PartsCheck): void {
  if (!table) return;
  const partition = table.find((x) => x.type === PARTITION_TYPE_APP && x.offset === p.address);
  if (!partition) {
    const apps = table.filter((x) => x.type === PARTITION_TYPE_APP).map((x) => `${x.label} at ${hex(x.offset)}`);
    throw new UpyflashError(
      'WRONG_ADDRESS',
      `${nameOf(p)} is an application image, but the partition table has no app partition at ${hex(p.address)} (it has ${apps.join(', ') || 'none'}).`,
      { details: { address: p.address, expected: table.find((x) => x.type === PARTITION_TYPE_APP)?.offset ?? check.chip.appOffset, kind: fw.kind } },
    );
  }
  if (p.bytes.length > partition.size) {
    throw new UpyflashError(
      'IMAGE_TOO_LARGE',
      `${nameOf(p)} (${formatBytes(p.bytes.length)}) does not fit its partition "${partition.label}" (${formatBytes(partition.size)} at ${hex(partition.offset)}).`,
      { hint: 'Use a partition table with a larger app partition, or a smaller build.', details: { appBytes: p.bytes.length, partitionBytes: partition.size } },
    );
  }
}

function checkFlashEnd(parts: readonly CheckedPart[], check: PartsCheck): void {
  if (check.flashBytes === undefined) return;
  for (const p of parts) {
    const end = p.address + p.bytes.length;
    if (end > check.flashBytes) {
      throw new UpyflashError('IMAGE_TOO_LARGE', `${nameOf(p)} ends at ${hex(end)}, beyond the ${formatBytes(check.flashBytes)} flash.`, {
        details: { endAddress: end, flashBytes: check.flashBytes },
      });
    }
    const tableEnd = p.partitions ? partitionsEnd(p.partitions) : 0;
    if (tableEnd > check.flashBytes) {
      throw new UpyflashError('IMAGE_TOO_LARGE', `The partition table in ${nameOf(p)} reaches ${hex(tableEnd)}, beyond the ${formatBytes(check.flashBytes)} flash: the bootloader would refuse it.`, {
        details: { partitionsEnd: tableEnd, flashBytes: check.flashBytes },
      });
    }
  }
}

/**
 * Checks every part for its address: the bootloader (or a merged image) at the chip's bootloader offset,
 * a partition table that parses with a matching MD5 at the table offset, each app image at an app
 * partition it fits, anything else (a filesystem image, nvs data) written as it is.
 */
export function checkFirmwareParts(input: FirmwareParts, check: PartsCheck): { parts: CheckedPart[]; warnings: string[] } {
  if (input.parts.length === 0) throw new UpyflashError('BAD_ARGUMENT', 'No ADDR FILE pairs to write.');
  for (const p of input.parts) {
    if (p.bytes.length === 0) analyzeFirmware(p.bytes, p.fileName); // "is empty (0 bytes)", naming the file
  }
  checkNoOverlap(input.parts);
  const warnings: string[] = [];
  const tableAt = input.partitionTableOffset ?? PARTITION_TABLE_OFFSET;
  const chip = check.chip;
  const checked: CheckedPart[] = [];
  for (const p of [...input.parts].sort((a, b) => a.address - b.address)) {
    if (p.address === chip.bootloaderOffset) checked.push(checkBootloaderPart(p, check, warnings));
    else if (p.address === tableAt && chip.imageFormat !== 'esp8266') checked.push(checkTablePart(p));
    else if (sniffFile(p.bytes) === 'esp-image' && chip.imageFormat !== 'esp8266') {
      const fw = checkImage(p, check, warnings);
      checked.push({ ...p, bytes: fw.bytes, role: fw.kind === 'app' ? 'app' : 'data', firmware: fw });
    } else checked.push({ ...p, role: 'data' });
  }
  const table = checked.find((p) => p.partitions)?.partitions ?? checked.find((p) => p.role === 'merged')?.firmware?.partitions;
  for (const p of checked) if (p.role === 'app') checkAppPart(p, p.firmware!, table, check);
  checkFlashEnd(checked, check);
  return { parts: checked, warnings };
}

/**
 * The app parts of a write that brings no partition table of its own, checked against the table already
 * on the flash (read by the caller): each must sit at an app partition and fit it.
 */
export function checkAppsAgainstTable(apps: readonly InputPart[], table: Partition[], chip: ChipSpec): void {
  for (const p of apps) checkAppPart(p, analyzeFirmware(p.bytes, p.fileName), table, { chip });
}

/** The image that stands for the whole set in summaries: the app, else the merged image or bootloader. */
export function principalImage(parts: readonly CheckedPart[]): FirmwareFile | undefined {
  const byRole = (r: PartRole) => parts.find((p) => p.role === r)?.firmware;
  return byRole('app') ?? byRole('merged') ?? byRole('bootloader') ?? parts.find((p) => p.firmware)?.firmware;
}
