import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChipSpec } from '../../chips/index.js';
import { UpyflashError } from '../../errors.js';
import { type StubImage, parseStubJson } from '../stub.js';

/**
 * Node adapter: reads the flasher stub that the esptool-js npm package ships, at run time (the stub
 * binaries are Espressif's and are never copied into this repository).
 */
export async function loadStubFromEsptoolJs(chip: ChipSpec): Promise<StubImage> {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve('esptool-js'));
  } catch (e) {
    throw new UpyflashError('STUB_FAILED', 'The esptool-js package (which carries the flasher stubs) is not installed', {
      hint: 'Run `npm install` in the upyflash folder, or flash with --no-stub.',
      cause: e,
    });
  }
  // require.resolve gives lib/index.js; the stubs sit beside it.
  const path = join(pkgDir, 'targets', 'stub_flasher', chip.stubFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UpyflashError('STUB_FAILED', `No flasher stub for ${chip.name} at ${path}`, { cause: e });
  }
  return parseStubJson(JSON.parse(text), path);
}
