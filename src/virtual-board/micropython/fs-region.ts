/**
 * Where the board's filesystem lives in flash. ESP32-family MicroPython (v1.26+) uses the space after
 * the last partition of its table at 0x8000 (or a `vfs` data partition when the table has one); the
 * ESP8266 has no partition table and keeps its filesystem in the upper part of the flash.
 */
import { PARTITION_TABLE_MAX_LEN, PARTITION_TABLE_OFFSET, looksLikePartitionTable, parsePartitionTable, partitionsEnd } from '../../image/partition-table.js';
import type { FlashView } from '../app-runtime.js';

export interface FlashRegion {
  offset: number;
  size: number;
}

const SECTOR = 0x1000;
/** ESP8266 generic builds on 2 MiB+ flash start the filesystem at 1 MiB; smaller flashes use the upper half. */
const ESP8266_FS_START = 0x100000;

export function fsRegion(flash: FlashView): FlashRegion | undefined {
  const table = readPartitionTable(flash);
  if (table) {
    const vfs = table.find((p) => p.label === 'vfs' && p.typeName === 'data');
    if (vfs) return clip(flash, vfs.offset, vfs.size);
    const start = roundUp(partitionsEnd(table), SECTOR);
    return clip(flash, start, flash.size - start);
  }
  const start = flash.size > ESP8266_FS_START ? ESP8266_FS_START : flash.size / 2;
  return clip(flash, start, flash.size - start);
}

function readPartitionTable(flash: FlashView): ReturnType<typeof parsePartitionTable> | undefined {
  if (flash.size < PARTITION_TABLE_OFFSET + PARTITION_TABLE_MAX_LEN) return undefined;
  const bytes = flash.read(PARTITION_TABLE_OFFSET, PARTITION_TABLE_MAX_LEN);
  if (!looksLikePartitionTable(bytes)) return undefined;
  try {
    return parsePartitionTable(bytes);
  } catch {
    return undefined;
  }
}

function clip(flash: FlashView, offset: number, size: number): FlashRegion | undefined {
  const end = Math.min(flash.size, offset + size);
  return end - offset >= SECTOR ? { offset, size: end - offset } : undefined;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
