/**
 * `flash FILE --all | --port A --port B ... | --watch`: the flash job on many boards at once, a live
 * row per board, one result per board, a summary table and an exit code that is 0 only when every
 * board succeeded (else the highest code of the failures).
 */
import type { Command } from 'commander';
import { appendFileSync, existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UpyflashError } from '../errors.js';
import { explainFailureOnThisHost } from '../doctor/node/explain-failure.js';
import type { FlashJobInput } from '../flasher/flash-job.js';
import { type BoardResult, ManyFlasher } from '../flasher/flash-many.js';
import type { FirmwareFile } from '../image/firmware-file.js';
import { analyzeFirmware } from '../image/firmware-file.js';
import { flashBootCheck } from './commands/repl.js';
import { type ConnectionFlags, openTransportFor, sessionOptions } from './connect-options.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { runStation } from './flash-station.js';
import { runningFirmwareOn } from './running-firmware.js';
import { readInputFile } from './input-file.js';
import { boardJson, createManyRenderer, outcome, type ManyRenderer } from './many-renderer.js';
import { listHostPorts } from './port-choice.js';
import { type CommandIo, type GlobalOptions, reportError } from './run-command.js';

export interface ManyFlags {
  all?: boolean;
  watch?: boolean;
  jobs?: string;
  log?: string;
  /** Every --port given, in order (the single-board path reads `port`, the last one). */
  ports?: string[];
}

type Flags = ManyFlags & ConnectionFlags & GlobalOptions & { backup?: string; keepFiles?: boolean };

/** --all, --watch, --jobs, --log, and --port that may be given more than once. */
export function addManyOptions(cmd: Command): Command {
  const port = cmd.options.find((o) => o.long === '--port');
  // Commander keeps the last --port; the list of all of them goes beside it, so one --port stays as it was.
  port?.argParser((value: string) => {
    cmd.setOptionValue('ports', [...((cmd.getOptionValue('ports') as string[] | undefined) ?? []), value]);
    return value;
  });
  if (port) port.description += '; repeatable: several boards at once';
  // Before --keep-files takes its one board's backup (a later preAction hook): refuse it here.
  cmd.hook('preAction', (c) => {
    const flags = c.optsWithGlobals<Flags>();
    if (!isManyRun(flags)) return;
    try {
      refuseSingleBoardFlags(flags);
    } catch (e) {
      reportError(e as UpyflashError, Boolean(flags.json), Boolean(flags.verbose));
      process.exit(exitCodeFor(e as UpyflashError));
    }
  });
  return cmd
    .option('--all', 'flash every port that looks like an ESP board, all at once')
    .option('--watch', 'flashing station: flash each board as it is plugged in, until Ctrl-C')
    .option('--jobs <n>', 'at most this many boards at once with --all/--watch/several --port (default: all)')
    .option('--log <file>', 'append one CSV line per board (time, port, chip, MAC, firmware, MD5, seconds, result)');
}

export function isManyRun(flags: ManyFlags): boolean {
  return Boolean(flags.all || flags.watch || (flags.ports && flags.ports.length > 1));
}

export async function flashManyCommand(
  file: string | undefined,
  flags: Flags,
  io: CommandIo,
  jobInput: (local: FirmwareFile | undefined) => FlashJobInput,
) {
  refuseSingleBoardFlags(flags);
  const local = file !== undefined ? analyzeFirmware(await readInputFile(file), basename(file)) : undefined;
  const input = jobInput(local);
  const jobs = parseJobs(flags.jobs);
  const renderer = createManyRenderer({ json: io.json, tty: Boolean(process.stderr.isTTY), verbose: Boolean(flags.verbose) });
  const abort = new AbortController();
  const flasher = new ManyFlasher({
    job: input,
    session: sessionOptions(flags),
    open: openTransportFor,
    jobFor: (port) => flashBootCheck(flags as Record<string, unknown>, port),
    // Without a FILE each board gets its own build: an update stays on the board it runs.
    ...(local === undefined && (flags as { board?: string }).board === undefined ? { askRunning: (port: string) => runningFirmwareOn(port) } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    sink: renderer,
    signal: abort.signal,
  });
  const log = flags.log ? csvLog(flags.log) : undefined;
  let results: BoardResult[];
  try {
    results = flags.watch ? await station(flasher, flags, renderer, abort, log) : await fixedSet(flasher, flags, abort, log);
  } finally {
    renderer.stop();
  }
  return report(await Promise.all(results.map(explainOnHost)), io);
}

function refuseSingleBoardFlags(flags: Flags): void {
  if (flags.backup) throw new UpyflashError('BAD_ARGUMENT', '--backup saves one board\'s flash: use it with a single --port');
  if (flags.keepFiles) throw new UpyflashError('BAD_ARGUMENT', '--keep-files keeps one board\'s files: use it with a single --port');
  if (flags.watch && (flags.all || (flags.ports?.length ?? 0) > 0)) {
    throw new UpyflashError('BAD_ARGUMENT', '--watch flashes boards as they are plugged in: leave out --all and --port');
  }
}

function parseJobs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UpyflashError('BAD_ARGUMENT', `--jobs ${text}: give a whole number of boards, 1 or more`);
  return n;
}

/** --all and every --port, each port once. */
async function fixedSet(flasher: ManyFlasher, flags: Flags, abort: AbortController, log: CsvLog | undefined): Promise<BoardResult[]> {
  const ports = [...(flags.ports ?? (flags.port ? [flags.port] : []))];
  if (flags.all) ports.push(...(await listHostPorts()).filter((p) => p.likelyEsp).map((p) => p.path));
  const unique = [...new Set(ports)];
  if (unique.length === 0) {
    throw new UpyflashError('NO_PORTS', 'No port looks like an ESP board', { hint: 'Plug the boards in (check `upyflash ports`), or name them with --port.' });
  }
  // Ctrl-C stops every board (E098) and still prints the summary, so the class knows which ones to redo.
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    return await Promise.all(unique.map((p) => flasher.add(p).then((r) => (log?.(r), r))));
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function station(flasher: ManyFlasher, flags: Flags, renderer: ManyRenderer, abort: AbortController, log: CsvLog | undefined): Promise<BoardResult[]> {
  const stop = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      renderer.note('Stopping: no new boards; the ones in progress finish (Ctrl-C again to abort them).');
      stop.abort();
    } else abort.abort();
  };
  process.on('SIGINT', onSigint);
  renderer.note('Waiting for boards: plug them in one after another (Ctrl-C to stop).');
  try {
    return await runStation({
      flasher,
      listPorts: listHostPorts,
      stop: stop.signal,
      onResult: (r, all) => {
        log?.(r);
        renderer.note(runningCount(all));
      },
      onSkip: (p, why) => renderer.note(`${p.path}: not flashed again: ${why}`),
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function runningCount(all: readonly BoardResult[]): string {
  const written = all.filter((r) => r.ok && !r.unchanged).length;
  const unchanged = all.filter((r) => r.ok && r.unchanged).length;
  return `boards so far: ${all.length} (${written} flashed, ${unchanged} unchanged, ${all.length - written - unchanged} failed)`;
}

async function explainOnHost(r: BoardResult): Promise<BoardResult> {
  if (!r.error) return r;
  return { ...r, error: await explainFailureOnThisHost(r.error).catch(() => r.error!) };
}

function report(results: readonly BoardResult[], io: CommandIo) {
  for (const line of summaryTable(results)) io.print(line);
  const failures = results.filter((r) => !r.ok);
  const exitCode = failures.reduce<number>((code, r) => Math.max(code, r.error ? exitCodeFor(r.error) : EXIT.FAILURE), EXIT.OK);
  return {
    result: {
      boards: results.map(boardJson),
      total: results.length,
      succeeded: results.length - failures.length,
      failed: failures.length,
    },
    exitCode,
  };
}

/** The table printed at the end: a line per board, then the totals. */
export function summaryTable(results: readonly BoardResult[]): string[] {
  const header = ['PORT', 'CHIP', 'MAC', 'RESULT', 'SECONDS', 'MD5 / ERROR'];
  const rows = results.map((r) => [
    r.port,
    r.chip ?? '-',
    r.mac ?? '-',
    outcome(r),
    r.seconds.toFixed(1),
    r.ok ? (r.md5 ?? '') : `${r.error?.message ?? ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const ok = results.filter((r) => r.ok).length;
  const unchanged = results.filter((r) => r.ok && r.unchanged).length;
  return [
    line(header),
    ...rows.map(line),
    `${ok} of ${results.length} boards OK${unchanged ? ` (${unchanged} already held the image)` : ''}, ${results.length - ok} failed.`,
  ];
}

type CsvLog = (r: BoardResult) => void;

const CSV_HEADER = 'time,port,chip,mac,firmware,md5,seconds,result';

/** --log FILE: one line per board as it finishes, appended (a header first when the file is new). */
function csvLog(path: string): CsvLog {
  try {
    if (!existsSync(path) || statSync(path).size === 0) appendFileSync(path, CSV_HEADER + '\n');
  } catch (e) {
    throw new UpyflashError('FILE_ERROR', `Cannot write the log ${path}: ${(e as Error).message}`, { hint: 'Choose a writable path for --log.', cause: e });
  }
  return (r) => {
    const cells = [new Date().toISOString(), r.port, r.chip ?? '', r.mac ?? '', r.firmware ?? '', r.md5 ?? '', r.seconds.toFixed(2), outcome(r)];
    appendFileSync(path, cells.map(csvCell).join(',') + '\n');
  };
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
