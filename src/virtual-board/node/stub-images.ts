import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChipSpec } from '../../chips/types.js';
import { UpyflashError } from '../../errors.js';

/**
 * The flasher stubs esptool-js ships (lib/targets/stub_flasher/<chip>.json), read at run time from
 * the installed package and never copied into this repository. The virtual board's loader uses them
 * to recognise the stub when a client uploads it.
 */

export interface StubImage {
  entry: number;
  text: Uint8Array;
  textStart: number;
  data: Uint8Array;
  dataStart: number;
  /** The JSON as esptool-js ships it (base64 segments). */
  json: StubJson;
}

export interface StubJson {
  entry: number;
  text: string;
  text_start: number;
  data: string;
  data_start: number;
}

const cache = new Map<string, StubImage>();

/** Folder of the stub JSON files inside the installed esptool-js. */
export function stubFlasherDir(): string {
  const require = createRequire(import.meta.url);
  // The package's main entry is lib/index.js; the stubs sit beside it under targets/.
  return join(dirname(require.resolve('esptool-js')), 'targets', 'stub_flasher');
}

export function loadStubImage(chip: ChipSpec): StubImage {
  const hit = cache.get(chip.stubFile);
  if (hit) return hit;
  const path = join(stubFlasherDir(), chip.stubFile);
  let json: StubJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as StubJson;
  } catch (cause) {
    throw new UpyflashError('FILE_ERROR', `Cannot read the ${chip.name} flasher stub from esptool-js (${path})`, {
      cause,
      hint: 'Reinstall the dependencies (`npm install`); the stub images come with the esptool-js package.',
      details: { path },
    });
  }
  const image: StubImage = {
    entry: json.entry,
    text: base64(json.text),
    textStart: json.text_start,
    data: base64(json.data ?? ''),
    dataStart: json.data_start,
    json,
  };
  cache.set(chip.stubFile, image);
  return image;
}

function base64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}
