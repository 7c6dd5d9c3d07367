/**
 * The flasher_args.json an ESP-IDF build writes next to its binaries (MicroPython's
 * ports/esp32/build-BOARD/ has one): which file goes at which offset, the flash settings and the chip.
 * Facts: esp-idf tools/cmake/flash.cmake and components/esptool_py/flasher_args.json.in; keys
 * `flash_files` {offset: path}, `flash_settings` {flash_mode, flash_size, flash_freq},
 * `extra_esptool_args` {chip, before, after, stub}, and per-role entries `bootloader`, `app`,
 * `partition-table` {offset, file}. Pure: reading the files is the caller's job.
 */
import { UpyflashError } from '../errors.js';
import type { FlashParams } from './flash-params.js';

export interface BuildFile {
  readonly address: number;
  /** As written in flasher_args.json: relative to the build folder. */
  readonly path: string;
}

export interface FlasherArgs {
  readonly files: readonly BuildFile[];
  readonly flashParams: FlashParams;
  /** esptool's chip name, e.g. esp32, esp32s3. */
  readonly chip?: string;
  readonly before?: string;
  readonly after?: string;
  readonly stub?: boolean;
  /** Where the partition table goes in this build (it can be moved with CONFIG_PARTITION_TABLE_OFFSET). */
  readonly partitionTableOffset?: number;
}

const ROLES = ['bootloader', 'partition-table', 'app'] as const;

function bad(what: string, source: string): UpyflashError {
  return new UpyflashError('FILE_ERROR', `${source}: ${what}`, {
    hint: 'Point --from-build at the build folder of a finished ESP-IDF build (idf.py build / make), e.g. ports/esp32/build-ESP32_GENERIC.',
  });
}

function parseOffset(text: unknown, source: string, key: string): number {
  const s = typeof text === 'number' ? String(text) : text;
  if (typeof s !== 'string' || !/^(0x[0-9a-f]+|\d+)$/i.test(s.trim())) throw bad(`"${key}" has the offset ${JSON.stringify(text)}, not a number`, source);
  return s.trim().toLowerCase().startsWith('0x') ? parseInt(s.trim(), 16) : parseInt(s.trim(), 10);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

/** The per-role entries must name the same file at the same offset as flash_files. */
function checkRoles(doc: Record<string, unknown>, files: readonly BuildFile[], source: string): void {
  for (const role of ROLES) {
    const entry = record(doc[role]);
    if (!entry) continue;
    const file = str(entry['file']);
    if (!file) continue;
    const address = parseOffset(entry['offset'], source, `${role}.offset`);
    const listed = files.find((f) => f.address === address);
    if (!listed || normalise(listed.path) !== normalise(file)) {
      const there = listed ? `flash_files has ${listed.path} at 0x${address.toString(16)}` : `flash_files has nothing at 0x${address.toString(16)}`;
      throw bad(`"${role}" names ${file} at 0x${address.toString(16)}, but ${there}: the file is inconsistent (a build that stopped half-way?)`, source);
    }
  }
}

export function parseFlasherArgs(text: string, source = 'flasher_args.json'): FlasherArgs {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(`not valid JSON (${(e as Error).message})`, source);
  }
  const doc = record(json);
  const flashFiles = record(doc?.['flash_files']);
  if (!doc || !flashFiles) throw bad('has no "flash_files" object {offset: file}', source);
  const files: BuildFile[] = Object.entries(flashFiles).map(([offset, path]) => {
    const p = str(path);
    if (!p) throw bad(`"flash_files" entry ${offset} has no file name`, source);
    return { address: parseOffset(offset, source, `flash_files ${offset}`), path: p };
  });
  if (files.length === 0) throw bad('"flash_files" is empty', source);
  files.sort((a, b) => a.address - b.address);
  checkRoles(doc, files, source);

  const settings = record(doc['flash_settings']) ?? {};
  const mode = str(settings['flash_mode']);
  const size = str(settings['flash_size']);
  const freq = str(settings['flash_freq']);
  const extra = record(doc['extra_esptool_args']) ?? {};
  const table = record(doc['partition-table']);
  const chip = str(extra['chip']);
  const before = str(extra['before']);
  const after = str(extra['after']);
  return {
    files,
    flashParams: {
      ...(mode ? { mode: mode as FlashParams['mode'] } : {}),
      ...(size ? { size } : {}),
      ...(freq ? { freq } : {}),
    },
    ...(chip ? { chip } : {}),
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
    ...(typeof extra['stub'] === 'boolean' ? { stub: extra['stub'] } : {}),
    ...(table && table['offset'] !== undefined ? { partitionTableOffset: parseOffset(table['offset'], source, 'partition-table.offset') } : {}),
  };
}

/** flasher_args.json as an ESP-IDF build writes it, for the given files (tests, demos). */
export function formatFlasherArgs(a: {
  chip: string;
  bootloader: BuildFile;
  partitionTable: BuildFile;
  app: BuildFile;
  flash: { mode: string; size: string; freq: string };
}): string {
  const h = (n: number) => `0x${n.toString(16)}`;
  const entry = (f: BuildFile) => ({ offset: h(f.address), file: f.path, encrypted: 'false' });
  return JSON.stringify(
    {
      write_flash_args: ['--flash_mode', a.flash.mode, '--flash_size', a.flash.size, '--flash_freq', a.flash.freq],
      flash_settings: { flash_mode: a.flash.mode, flash_size: a.flash.size, flash_freq: a.flash.freq },
      flash_files: Object.fromEntries([a.bootloader, a.partitionTable, a.app].map((f) => [h(f.address), f.path])),
      bootloader: entry(a.bootloader),
      app: entry(a.app),
      'partition-table': entry(a.partitionTable),
      extra_esptool_args: { after: 'hard_reset', before: 'default_reset', stub: true, chip: a.chip },
    },
    null,
    4,
  );
}
