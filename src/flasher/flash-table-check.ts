/**
 * An app written without its partition table (`flash 0x10000 micropython.bin`, or bootloader + app) must
 * still fit the partition it lands in: the table is read from the board, before anything is erased. A
 * board whose table cannot be read or parsed (blank flash, ROM-only loader) is not refused for it.
 */
import { isUpyflashError } from '../errors.js';
import { sniffFile } from '../image/sniff.js';
import { analyzeFirmware } from '../image/firmware-file.js';
import { checkAppsAgainstTable, type InputPart } from '../image/firmware-parts.js';
import { PARTITION_TABLE_MAX_LEN, PARTITION_TABLE_OFFSET, looksLikePartitionTable, parsePartitionTable, type Partition } from '../image/partition-table.js';
import type { ChipSpec } from '../chips/index.js';
import type { Reporter } from '../progress.js';
import type { FlashPart } from './parts.js';
import type { FlasherSession } from './session.js';

/**
 * What the check reads of a prepared write. flash-job.ts's PreparedFirmware has all of it; naming only
 * these fields here keeps this room below the flash job instead of tied to it both ways.
 */
export interface TableCheckSubject {
  readonly firmware: { readonly fileName?: string };
  readonly source?: { readonly parts: readonly InputPart[]; readonly partitionTableOffset?: number };
  readonly target: { readonly chip: ChipSpec };
  readonly options: { readonly forceAddress?: boolean };
  readonly parts: readonly FlashPart[];
}

function isApp(p: InputPart): boolean {
  if (sniffFile(p.bytes) !== 'esp-image') return false;
  try {
    return analyzeFirmware(p.bytes, p.fileName).kind === 'app';
  } catch {
    return false;
  }
}

/** The app parts to check, or none when the write brings its own table (or a merged image holding one). */
function appsWithoutTable(prepared: TableCheckSubject, tableAt: number): InputPart[] {
  if (prepared.target.chip.imageFormat === 'esp8266' || prepared.options.forceAddress) return [];
  const parts: readonly InputPart[] = prepared.source?.parts ?? [{ ...prepared.parts[0]!, ...(prepared.firmware.fileName ? { fileName: prepared.firmware.fileName } : {}) }];
  const bringsTable = parts.some((p) => p.address === tableAt || (p.address < tableAt && p.address + p.bytes.length > tableAt));
  return bringsTable ? [] : parts.filter(isApp);
}

async function tableOnFlash(session: FlasherSession, at: number, reporter: Reporter): Promise<Partition[] | undefined> {
  try {
    const bytes = await session.readFlash(at, PARTITION_TABLE_MAX_LEN);
    if (looksLikePartitionTable(bytes)) return parsePartitionTable(bytes);
    reporter.info(`No partition table on the flash at 0x${at.toString(16)}: the app's fit is not checked.`);
  } catch (e) {
    if (!isUpyflashError(e)) throw e;
    reporter.info(`The partition table on the flash could not be read (${e.message}): the app's fit is not checked.`);
  }
  return undefined;
}

export async function checkAppsAgainstFlashTable(session: FlasherSession, prepared: TableCheckSubject, reporter: Reporter): Promise<void> {
  const tableAt = prepared.source?.partitionTableOffset ?? PARTITION_TABLE_OFFSET;
  const apps = appsWithoutTable(prepared, tableAt);
  if (apps.length === 0) return;
  const table = await tableOnFlash(session, tableAt, reporter);
  if (table) checkAppsAgainstTable(apps, table, prepared.target.chip);
}
