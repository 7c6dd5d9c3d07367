import { readFile } from 'node:fs/promises';
import { UpyflashError } from '../errors.js';

/** Reads a file named on the command line; a failure is FILE_ERROR naming the file and the OS's reason. */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new UpyflashError('FILE_ERROR', `Cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}
