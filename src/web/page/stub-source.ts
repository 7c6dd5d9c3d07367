import type { ChipSpec } from '../../chips/types.js';
import { UpyflashError } from '../../errors.js';
import { parseStubJson, type StubImage } from '../../stub/stub-image.js';

/**
 * The flasher stubs the esptool-js package ships, bundled by Vite from node_modules at build time (never
 * copied into the repository) and loaded lazily: the page downloads only the detected chip's stub.
 */
const STUB_JSON = import.meta.glob<unknown>('../../../node_modules/esptool-js/lib/targets/stub_flasher/*.json', {
  import: 'default',
});

export async function stubJsonFor(chip: ChipSpec): Promise<unknown> {
  const key = Object.keys(STUB_JSON).find((k) => k.endsWith(`/${chip.stubFile}`));
  const load = key ? STUB_JSON[key] : undefined;
  if (!load) {
    throw new UpyflashError('STUB_FAILED', `This page has no flasher stub for ${chip.name} (${chip.stubFile})`, {
      hint: 'Rebuild the page with `npm run build`; the stubs come from the esptool-js package.',
    });
  }
  return load();
}

/** The flasher's StubProvider for the browser. */
export async function browserStub(chip: ChipSpec): Promise<StubImage> {
  return parseStubJson(await stubJsonFor(chip), chip.stubFile);
}
