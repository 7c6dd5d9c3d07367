import type { Command } from 'commander';
import { writeFile, rename, unlink } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { CHIP_IDS, chipById, type ChipSpec } from '../../chips/index.js';
import { UpyflashError } from '../../errors.js';
import type { FirmwareListing } from '../../firmware/list.js';
import type { RunningFirmware } from '../../firmware/build-choice.js';
import { listFirmwareOnSite, resolveFirmware } from '../../firmware/node/resolve.js';
import type { FirmwareResolver } from '../../flasher/flash-job.js';
import { parseSize, runCommand, type CommandIo, type GlobalOptions } from '../run-command.js';
import { defaultCacheDir } from '../../platform/node/cache-dir.js';
import { FsDeflateStore } from '../../flasher/node/deflate-store.js';
import { zopfliDeflate } from '../../platform/node/zopfli.js';
import { type Precompressed, precompressBody } from '../precompress.js';

interface CatalogCliOptions extends GlobalOptions {
  chip?: string;
  board?: string;
  search?: string;
  baseUrl?: string;
  refresh?: boolean;
}

interface DownloadCliOptions extends CatalogCliOptions {
  variant?: string;
  version?: string;
  flashSize?: string;
  output?: string;
}

export function register(program: Command): void {
  registerFlashWithoutFile(program);
  const firmware = program.command('firmware').description('find and download MicroPython firmware from micropython.org (cached for offline use)');

  withCatalogOptions(
    firmware
      .command('list')
      .description('list boards and MicroPython versions (the chip\'s generic board, a --board, or every chip\'s generic board)')
      .option('--search <words>', 'every board the site offers (for --chip, or for every chip) whose id, name or vendor has these words, with its versions'),
  ).action(async (_opts: CatalogCliOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals<CatalogCliOptions>();
    await runCommand(opts, async (io) => {
      const chip = parseChip(opts.chip);
      const listing = await listFirmwareOnSite(
        {
          ...(chip ? { chip } : {}),
          ...(opts.board ? { board: opts.board } : {}),
          ...(opts.search !== undefined ? { search: opts.search } : {}),
          ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
          ...(opts.refresh ? { refresh: true } : {}),
        },
        io.reporter,
      );
      if (opts.search !== undefined && listing.boards.length === 0) io.print(`No board matches "${opts.search}".`);
      printListing(io, listing);
      return { result: listing };
    });
  });

  withCatalogOptions(
    firmware
      .command('download')
      .description('download the MicroPython .bin that `flash` would pick, without flashing')
      .option('--variant <id>', 'board variant, e.g. SPIRAM, FLASH_1M; "standard" for the plain build')
      .option('--version <v>', 'latest, preview or a release such as 1.24.1', 'latest')
      .option('--flash-size <size>', 'flash size of the board (e.g. 1M, 512K): picks size-specific variants')
      .option('-o, --output <file>', 'where to save it (default: the file name from the site, in the current folder)'),
  ).action(async (_opts: DownloadCliOptions, cmd: Command) => {
    const opts = cmd.optsWithGlobals<DownloadCliOptions>();
    await runCommand(opts, async (io) => {
      const chip = parseChip(opts.chip);
      if (!chip && !opts.board) throw new UpyflashError('BAD_ARGUMENT', 'firmware download needs --chip (e.g. esp32) or --board (e.g. ESP32_GENERIC)');
      const fw = await resolveFirmware(
        {
          ...(chip ? { chip } : {}),
          ...(opts.board ? { board: opts.board } : {}),
          ...(opts.variant !== undefined ? { variant: opts.variant } : {}),
          ...(opts.version ? { version: opts.version } : {}),
          ...(opts.flashSize ? { flashBytes: parseSize(opts.flashSize, '--flash-size') } : {}),
          ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
          ...(opts.refresh ? { refresh: true } : {}),
        },
        io.reporter,
      );
      for (const w of fw.warnings) io.reporter.warn(w);
      const path = resolvePath(opts.output ?? fw.fileName);
      await saveAtomically(path, fw.bytes);
      io.print(`Saved ${path} (${fw.bytes.length} bytes, sha256 ${fw.sha256})`);
      const packed = await precompressForFlashing(fw.bytes, io);
      const { bytes: _bytes, ...provenance } = fw;
      return { result: { path, size: fw.bytes.length, ...provenance, ...(packed ? { precompressed: packed } : {}) } };
    });
  });
}

/**
 * `upyflash flash` with no FILE: the flasher detects the chip and flash size, then asks the catalog. The
 * catalog's options join the flash verb here so that they are documented in `flash --help`.
 */
function registerFlashWithoutFile(program: Command): void {
  const flash = program.commands.find((c) => c.name() === 'flash');
  flash
    ?.option('--board <id>', 'without FILE: MicroPython board id (default: the board the running MicroPython names, else the generic board of the detected chip)')
    .option('--variant <id>', 'without FILE: board variant, e.g. SPIRAM; "standard" for the plain build (default: from the detected flash size and PSRAM)')
    .option('--force', 'flash the build asked for (--board/--variant, or a FILE named for a board) even where a detected fact contradicts it')
    .option('--version <v>', 'without FILE: latest, preview or a release such as 1.24.1', 'latest')
    .option('--base-url <url>', 'without FILE: download site (default https://micropython.org, or UPYFLASH_BASE_URL)')
    .option('--refresh', 'without FILE: download again even when a cached copy exists');
}

/** The catalog as the flash job's resolver: --board/--variant/--version/--base-url/--refresh from `flash`'s options. */
export function catalogResolver(options: Readonly<Record<string, unknown>>, extra: { running?: RunningFirmware } = {}): FirmwareResolver {
  const text = (key: string): string | undefined => (typeof options[key] === 'string' ? (options[key] as string) : undefined);
  return async ({ chip, flashBytes, reporter, identity, running: asked }) => {
    const running = asked ?? extra.running;
    const board = text('board');
    const variant = text('variant');
    const version = text('version');
    const baseUrl = text('baseUrl');
    const fw = await resolveFirmware(
      {
        chip,
        ...(flashBytes !== undefined ? { flashBytes } : {}),
        ...(board !== undefined ? { board } : {}),
        ...(variant !== undefined ? { variant } : {}),
        ...(version !== undefined ? { version } : {}),
        ...(baseUrl !== undefined ? { baseUrl } : {}),
        ...(options['refresh'] === true ? { refresh: true } : {}),
        ...(options['force'] === true ? { force: true } : {}),
        ...(identity ? { facts: identity } : {}),
        ...(running ? { running } : {}),
      },
      reporter,
    );
    const { bytes, warnings: _warnings, ...provenance } = fw;
    return { bytes, fileName: fw.fileName, provenance };
  };
}

function withCatalogOptions(cmd: Command): Command {
  return cmd
    .option('--chip <chip>', `chip: ${CHIP_IDS.join(', ')}`)
    .option('--board <id>', 'MicroPython board id, e.g. ESP32_GENERIC_S3')
    .option('--base-url <url>', 'download site (default https://micropython.org, or UPYFLASH_BASE_URL)')
    .option('--refresh', 'fetch again even when a cached copy exists');
}

function parseChip(text: string | undefined): ChipSpec | undefined {
  if (text === undefined) return undefined;
  const chip = chipById(text);
  if (!chip) throw new UpyflashError('BAD_ARGUMENT', `--chip: "${text}" is not one of ${CHIP_IDS.join(', ')}`);
  return chip;
}

async function saveAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw new UpyflashError('FILE_ERROR', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function printListing(io: CommandIo, listing: FirmwareListing): void {
  if (listing.boards.length > 0) {
    io.print(`Boards (${listing.boards.length}):`);
    const width = Math.max(...listing.boards.map((b) => b.id.length));
    for (const b of listing.boards) io.print(`  ${b.id.padEnd(width)}  ${[b.name, b.vendor].filter(Boolean).join(' — ')}`);
    io.print('');
  }
  for (const board of listing.firmware) {
    const from = board.source === 'cache' ? ' (cached listing: offline)' : board.source === 'fallback-table' ? ' (built-in release table)' : '';
    io.print(`${board.board}${board.title ? ` — ${board.title}` : ''}${from}`);
    if (board.files.length === 0) io.print('  no .bin files listed');
    const variantWidth = Math.max(8, ...board.files.map((f) => (f.variant ?? 'standard').length));
    const versionWidth = Math.max(7, ...board.files.map((f) => f.version.length + 1));
    for (const f of board.files) {
      const flags = [f.preview ? 'preview' : '', f.legacy ? 'legacy name' : '', f.cached ? 'cached' : ''].filter(Boolean).join(', ');
      io.print(`  ${(f.variant ?? 'standard').padEnd(variantWidth)}  ${`v${f.version}`.padEnd(versionWidth)}  ${f.buildDate}  ${f.fileName}${flags ? `  [${flags}]` : ''}`);
    }
    io.print('');
  }
}

/**
 * What `download` is for is flashing later, so the app is compressed now with zopfli (seconds, once per
 * image) and kept in the cache: every later flash of this file sends the smaller stream. A file that is
 * not a plain image, or a cache that cannot be written, only loses that head start.
 */
async function precompressForFlashing(bytes: Uint8Array, io: CommandIo): Promise<Precompressed | undefined> {
  io.reporter.info('Compressing the app for flashing (zopfli, once per image)...');
  try {
    const packed = await precompressBody(bytes, new FsDeflateStore(defaultCacheDir()), zopfliDeflate);
    if (packed) {
      const saved = ((1 - packed.storedBytes / packed.zlibBytes) * 100).toFixed(1);
      io.print(
        `Compressed for flashing: ${packed.bytes} bytes at 0x${packed.offset.toString(16)} -> ${packed.storedBytes} bytes on the wire ` +
          `(zlib -9: ${packed.zlibBytes}, ${saved} % less) in ${packed.seconds.toFixed(1)} s; kept in the cache for \`flash\`.`,
      );
    }
    return packed;
  } catch (e) {
    io.reporter.debug(`not precompressed: ${(e as Error).message}`);
    return undefined;
  }
}
