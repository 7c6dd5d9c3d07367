import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChipSpec } from '../../chips/types.js';
import { UpyflashError } from '../../errors.js';
import { parseStubJson, type StubImage } from '../stub-image.js';

/**
 * Node adapter: the flasher stubs ship in the esptool-js npm package
 * (lib/targets/stub_flasher/<chip>.json). They are Espressif's binaries, read at run time from the
 * installed package and never copied into this repository. The flasher (to upload) and the virtual
 * board (to recognise the upload) both read them through here.
 */

const cache = new Map<string, StubImage>();

/** Folder of the stub JSON files inside the installed esptool-js. */
export function esptoolJsStubDir(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('esptool-js/package.json');
  } catch (cause) {
    throw new UpyflashError('STUB_FAILED', 'The esptool-js package (which carries the flasher stubs) is not installed', {
      hint: 'Run `npm install` in the upyflash folder, or flash with --no-stub.',
      cause,
    });
  }
  return join(dirname(packageJson), 'lib', 'targets', 'stub_flasher');
}

/** The chip's stub, decoded; each file is read once per process. */
export function loadStubImage(chip: ChipSpec): StubImage {
  const hit = cache.get(chip.stubFile);
  if (hit) return hit;
  const path = join(esptoolJsStubDir(), chip.stubFile);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new UpyflashError('STUB_FAILED', `Cannot read the ${chip.name} flasher stub from ${path}`, {
      hint: 'Reinstall the dependencies (`npm install`): the stubs come with the esptool-js package. Or flash with --no-stub.',
      details: { path },
      cause,
    });
  }
  const image = parseStubJson(json, path);
  cache.set(chip.stubFile, image);
  return image;
}

/** The flasher's stub provider on Node (its `StubProvider` shape). */
export async function esptoolJsStub(chip: ChipSpec): Promise<StubImage> {
  return loadStubImage(chip);
}
