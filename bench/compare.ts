/**
 * upyflash vs esptool-js on the same link: for each baud rate a fresh virtual-board process (erased
 * flash, link model and flash timing on) takes esptool-js's full flash and then its unchanged reflash;
 * the upyflash figures come from the speed bench, which ran the same image the same way. Prints the
 * table and writes it as JSON.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpyflashError } from '../src/errors.js';
import { bytesEqual } from '../src/platform/bytes.js';
import { startBoardProcess } from '../harness/board-process.js';
import { flashWithEsptoolJs, type EsptoolJsJob } from './esptool-js.js';

export type JobKind = 'full' | 'reflash';

/** The part of a speed-bench row the comparison needs. */
export interface UpyflashTiming {
  baud: number;
  kind: JobKind;
  wallSeconds: number;
  wireBytes: number;
}

export interface ComparisonRow {
  baud: number;
  kind: JobKind;
  upyflashSeconds: number;
  esptoolJsSeconds: number;
  /** esptool-js wall / upyflash wall: above 1, upyflash is that many times faster. */
  ratio: number;
  /** upyflash's host->chip bytes, all phases (from the speed bench). */
  upyflashWireBytes: number;
  esptoolJs: EsptoolJsJob;
}

export interface CompareOptions {
  image: Uint8Array;
  offset: number;
  bauds: readonly number[];
  upyflash: readonly UpyflashTiming[];
  outFile: string;
}

const KINDS: readonly JobKind[] = ['full', 'reflash'];

export async function compareWithEsptoolJs(opts: CompareOptions): Promise<ComparisonRow[]> {
  console.log(`\nesptool-js 0.7.0 on the same link (rfc2217 to a fresh virtual-board process per baud, link model + flash timing on)`);
  console.log('baud     kind      upyflash s  esptool-js s  ratio   wire bytes h->c upyflash / esptool-js   esptool-js: connect+stub+baud / write+md5 / reset s');
  console.log('  wall = the whole job (open, reset, connect, stub, baud change, write, MD5 verify, hard reset); ratio = esptool-js / upyflash');
  const rows: ComparisonRow[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-compare-'));
  try {
    for (const baud of opts.bauds) rows.push(...(await compareAt(baud, opts, join(dir, `flash-${baud}.img`))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await writeFile(opts.outFile, JSON.stringify({ imageBytes: opts.image.length, offset: opts.offset, client: 'esptool-js 0.7.0', rows }, null, 2) + '\n');
  console.log(`wrote ${opts.outFile}`);
  return rows;
}

async function compareAt(baud: number, opts: CompareOptions, flashFile: string): Promise<ComparisonRow[]> {
  const rows: ComparisonRow[] = [];
  const board = await startBoardProcess({ chip: 'esp32', flashFile, linkModel: true, flashTiming: true });
  const [host, port] = board.hostPort.split(':');
  try {
    for (const kind of KINDS) {
      const job = await flashWithEsptoolJs({ host: host!, port: Number(port) }, opts.image, { baud, offset: opts.offset });
      const ours = opts.upyflash.find((r) => r.baud === baud && r.kind === kind);
      const row: ComparisonRow = {
        baud,
        kind,
        upyflashSeconds: ours?.wallSeconds ?? Number.NaN,
        esptoolJsSeconds: round(job.wallSeconds),
        ratio: ours ? round(job.wallSeconds / ours.wallSeconds) : Number.NaN,
        upyflashWireBytes: ours?.wireBytes ?? Number.NaN,
        esptoolJs: roundJob(job),
      };
      rows.push(row);
      printRow(row);
    }
  } finally {
    await board.stop();
  }
  // esptool-js already compared MD5s; reading the board's flash file after it exits checks that independently.
  const flash = await readFile(flashFile);
  if (!bytesEqual(flash.subarray(opts.offset, opts.offset + opts.image.length), opts.image)) {
    throw new UpyflashError('VERIFY_FAILED', `esptool-js at ${baud} baud: the board's flash does not hold the image`);
  }
  return rows;
}

function printRow(r: ComparisonRow): void {
  const j = r.esptoolJs;
  console.log(
    `${String(r.baud).padEnd(7)}  ${r.kind.padEnd(7)}  ${r.upyflashSeconds.toFixed(2).padStart(10)}  ${r.esptoolJsSeconds.toFixed(2).padStart(12)}  ${r.ratio.toFixed(2).padStart(5)}x  ` +
      `${String(r.upyflashWireBytes).padStart(15)} / ${String(j.wireBytes).padEnd(10)}  ` +
      `${j.connectSeconds.toFixed(2)} / ${j.writeSeconds.toFixed(2)} / ${j.resetSeconds.toFixed(2)}`,
  );
}

function roundJob(j: EsptoolJsJob): EsptoolJsJob {
  return {
    ...j,
    wallSeconds: round(j.wallSeconds),
    connectSeconds: round(j.connectSeconds),
    writeSeconds: round(j.writeSeconds),
    resetSeconds: round(j.resetSeconds),
    closeSeconds: round(j.closeSeconds),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
