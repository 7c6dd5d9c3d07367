import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChipSpec } from '../../chips/types.js';
import { UpyflashError } from '../../errors.js';
import { stubImageFromJson, type StubImage, type StubJson } from './stub-image.js';

/**
 * Node adapter: the flasher stub images ship in the esptool-js package
 * (lib/targets/stub_flasher/<chip>.json); they are read at run time, never copied into this repo.
 */
const cache = new Map<string, StubImage>();

export function esptoolJsStubDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('esptool-js/package.json')), 'lib', 'targets', 'stub_flasher');
}

export function loadEsptoolJsStub(chip: ChipSpec): StubImage {
  const hit = cache.get(chip.stubFile);
  if (hit) return hit;
  const path = join(esptoolJsStubDir(), chip.stubFile);
  let json: StubJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as StubJson;
  } catch (cause) {
    throw new UpyflashError('FILE_ERROR', `Cannot read the ${chip.name} flasher stub from ${path}`, {
      hint: 'Reinstall the dependencies (`npm install`): the stub comes with the esptool-js package.',
      cause,
    });
  }
  const image = stubImageFromJson(json);
  cache.set(chip.stubFile, image);
  return image;
}
