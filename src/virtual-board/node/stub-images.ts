import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChipSpec } from '../../chips/types.js';
import { UpyflashError } from '../../errors.js';
import { stubImageFromJson, type StubImage, type StubJson } from '../loader/stub-image.js';

/**
 * The flasher stubs esptool-js ships (lib/targets/stub_flasher/<chip>.json), read at run time from
 * the installed package and never copied into this repository. The virtual board's loader uses them
 * to recognise the stub when a client uploads it.
 */

const cache = new Map<string, StubImage>();

/** Folder of the stub JSON files inside the installed esptool-js. */
export function stubFlasherDir(): string {
  const require = createRequire(import.meta.url);
  // The package's main entry is lib/index.js; the stubs sit beside it under targets/.
  return join(dirname(require.resolve('esptool-js')), 'targets', 'stub_flasher');
}

export function loadStubJson(chip: ChipSpec): StubJson {
  const path = join(stubFlasherDir(), chip.stubFile);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StubJson;
  } catch (cause) {
    throw new UpyflashError('FILE_ERROR', `Cannot read the ${chip.name} flasher stub from esptool-js (${path})`, {
      cause,
      hint: 'Reinstall the dependencies (`npm install`); the stub images come with the esptool-js package.',
      details: { path },
    });
  }
}

/** The chip's stub as the loader wants it (decoded segments); read once per process. */
export function loadStubImage(chip: ChipSpec): StubImage {
  let image = cache.get(chip.stubFile);
  if (!image) {
    image = stubImageFromJson(loadStubJson(chip));
    cache.set(chip.stubFile, image);
  }
  return image;
}
