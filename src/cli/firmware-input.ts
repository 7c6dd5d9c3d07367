/**
 * What `flash` and `merge-bin` are given to write: one FILE (as before), ADDR FILE pairs in esptool's
 * order, or an ESP-IDF build folder's flasher_args.json. Files are read (and named in errors) here, so
 * the library only ever sees bytes.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UpyflashError } from '../errors.js';
import type { FirmwareParts, InputPart } from '../image/firmware-parts.js';
import { type FlasherArgs, parseFlasherArgs } from '../image/flasher-args.js';
import { readInputFile } from './input-file.js';
import { parseSize } from './run-command.js';

export interface AddressedFile {
  readonly address: number;
  readonly path: string;
}

export type FlashInput = { readonly file?: string; readonly address?: number } | { readonly pairs: readonly AddressedFile[] };

function looksLikeAddress(text: string): boolean {
  return /^(0x[0-9a-f]+|\d+)$/i.test(text.trim());
}

/** Splits `flash`'s positional arguments: none, FILE, or ADDR FILE [ADDR FILE ...]. */
export function parseAddressedFiles(args: readonly string[], usage = 'flash'): AddressedFile[] {
  if (args.length % 2 !== 0) {
    throw new UpyflashError('BAD_ARGUMENT', `${usage}: expected ADDR FILE pairs, got ${args.length} arguments (${args.join(' ')}).`, {
      hint: `Give each file its address, as esptool does: upyflash ${usage} 0x1000 bootloader.bin 0x8000 partition-table.bin 0x10000 micropython.bin`,
    });
  }
  const pairs: AddressedFile[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const addr = args[i]!;
    if (!looksLikeAddress(addr)) {
      throw new UpyflashError('BAD_ARGUMENT', `${usage}: "${addr}" is not an address; ADDR FILE pairs start with the address (e.g. 0x1000 bootloader.bin).`);
    }
    pairs.push({ address: parseSize(addr, 'ADDR'), path: args[i + 1]! });
  }
  return pairs;
}

export function parseFlashInput(args: readonly string[]): FlashInput {
  if (args.length === 0) return {};
  if (args.length === 1) return { file: args[0]! };
  const pairs = parseAddressedFiles(args);
  // One pair is a single file at an address: the single-file checks name a wrong address best.
  if (pairs.length === 1) return { file: pairs[0]!.path, address: pairs[0]!.address };
  return { pairs };
}

export async function readParts(pairs: readonly AddressedFile[]): Promise<InputPart[]> {
  return Promise.all(pairs.map(async (p) => ({ address: p.address, bytes: await readInputFile(p.path), fileName: basename(p.path) })));
}

export interface BuildFolder {
  readonly firmware: FirmwareParts;
  readonly args: FlasherArgs;
  readonly pairs: readonly AddressedFile[];
}

/** Reads DIR/flasher_args.json and every file it names; a missing one is named with the path it was looked for at. */
export async function readBuildFolder(dir: string): Promise<BuildFolder> {
  const argsPath = join(dir, 'flasher_args.json');
  let text: string;
  try {
    text = await readFile(argsPath, 'utf8');
  } catch (e) {
    throw new UpyflashError('FILE_ERROR', `Cannot read ${argsPath}: ${(e as Error).message}`, {
      hint: 'Point --from-build at an ESP-IDF build folder (it holds flasher_args.json after a build), e.g. ports/esp32/build-ESP32_GENERIC.',
      cause: e,
    });
  }
  const args = parseFlasherArgs(text, argsPath);
  const pairs = args.files.map((f) => ({ address: f.address, path: join(dir, f.path) }));
  const parts = await Promise.all(
    pairs.map(async (p) => {
      try {
        return { address: p.address, bytes: new Uint8Array(await readFile(p.path)), fileName: basename(p.path) };
      } catch (e) {
        throw new UpyflashError('FILE_ERROR', `${argsPath} names ${p.path} at 0x${p.address.toString(16)}, but it cannot be read: ${(e as Error).message}`, {
          hint: 'Finish the build (idf.py build, or make in ports/esp32) so every file it lists exists.',
          cause: e,
        });
      }
    }),
  );
  return {
    firmware: { parts, ...(args.partitionTableOffset !== undefined ? { partitionTableOffset: args.partitionTableOffset } : {}) },
    args,
    pairs,
  };
}
