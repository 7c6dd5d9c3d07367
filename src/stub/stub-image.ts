import { UpyflashError } from '../errors.js';

/**
 * Espressif's flasher stub for one chip, decoded: the flasher uploads it into RAM, and the virtual
 * board recognises that upload. One type and one parser serve both (and the web page, which bundles
 * the same JSON files); reading the files is left to a platform adapter, so this module stays
 * browser-safe.
 */
export interface StubImage {
  readonly entry: number;
  readonly textStart: number;
  readonly text: Uint8Array;
  readonly dataStart: number;
  readonly data: Uint8Array;
}

/** esptool-js's layout (lib/targets/stub_flasher/<chip>.json): base64 segments; some stubs have no data. */
export interface StubJson {
  entry: number;
  text: string;
  text_start: number;
  data?: string;
  data_start?: number;
}

/** Decodes one stub JSON; anything without entry/text/text_start is refused as STUB_FAILED. */
export function parseStubJson(json: unknown, source = 'stub JSON'): StubImage {
  const j = json as Partial<StubJson> | undefined;
  if (typeof j?.entry !== 'number' || typeof j.text !== 'string' || typeof j.text_start !== 'number') {
    throw new UpyflashError('STUB_FAILED', `${source} is not a flasher stub (entry/text/text_start missing)`);
  }
  return {
    entry: j.entry,
    textStart: j.text_start,
    text: base64ToBytes(j.text),
    dataStart: j.data_start ?? 0,
    data: typeof j.data === 'string' ? base64ToBytes(j.data) : new Uint8Array(0),
  };
}

function base64ToBytes(b64: string): Uint8Array {
  // atob exists in browsers and in Node ≥ 16, so no Buffer here.
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
