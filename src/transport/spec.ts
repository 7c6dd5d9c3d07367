/**
 * What the user typed after --port, parsed into the transport it names. Pure, so the CLI, the web
 * page and tests share it.
 */
import { CHIP_IDS, chipById } from '../chips/index.js';
import { UpyflashError } from '../errors.js';

export type TransportSpec =
  | { kind: 'serial'; path: string }
  | { kind: 'socket'; host: string; port: number }
  | { kind: 'rfc2217'; host: string; port: number; ignoreSetControlAnswer: boolean; networkTimeoutMs?: number; bridge?: string }
  | { kind: 'virtual'; chip: string; flashPath?: string; bootMode?: 'download' | 'normal' };

const FORMS = 'a serial device (/dev/ttyUSB0, COM3), socket://HOST:PORT, rfc2217://HOST:PORT or virtual:CHIP';

function bad(spec: string, why: string): UpyflashError {
  return new UpyflashError('BAD_ARGUMENT', `Cannot use port "${spec}": ${why}`, {
    hint: `Give ${FORMS}; see \`upyflash ports\`.`,
  });
}

export function parseTransportSpec(spec: string): TransportSpec {
  const trimmed = spec.trim();
  if (trimmed === '') throw bad(spec, 'it is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'socket' || scheme === 'rfc2217') return parseTcp(trimmed, scheme);
  if (scheme === 'virtual') return parseVirtual(trimmed);
  // Any other "x://" is a typo of a scheme, not a device name; Windows drive letters have no "//".
  if (scheme && trimmed.slice(scheme.length + 1).startsWith('//')) throw bad(spec, `unknown scheme "${scheme}://"`);
  return { kind: 'serial', path: trimmed };
}

function parseTcp(spec: string, scheme: 'socket' | 'rfc2217'): TransportSpec {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw bad(spec, `expected ${scheme}://HOST:PORT`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port);
  if (host === '' || url.port === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw bad(spec, `expected ${scheme}://HOST:PORT with a port from 1 to 65535`);
  }
  if (scheme === 'socket') {
    if (url.search !== '') throw bad(spec, 'socket:// takes no options');
    return { kind: 'socket', host, port };
  }
  let ignoreSetControlAnswer = false;
  let networkTimeoutMs: number | undefined;
  let bridge: string | undefined;
  for (const [key, value] of url.searchParams) {
    if (key === 'ign_set_control') ignoreSetControlAnswer = true;
    // The USB-serial part behind a device server (it cannot be read over the network), e.g. bridge=ch340.
    else if (key === 'bridge' && value !== '') bridge = value.toLowerCase();
    else if (key === 'timeout' && Number(value) > 0) networkTimeoutMs = Number(value) * 1000;
    // pyserial's logging/poll_modem only tune its own diagnostics; accepting them keeps its URLs usable.
    else if (key !== 'logging' && key !== 'poll_modem') throw bad(spec, `unknown rfc2217 option "${key}"`);
  }
  return {
    kind: 'rfc2217',
    host,
    port,
    ignoreSetControlAnswer,
    ...(networkTimeoutMs !== undefined ? { networkTimeoutMs } : {}),
    ...(bridge !== undefined ? { bridge } : {}),
  };
}

function parseVirtual(spec: string): TransportSpec {
  const rest = spec.slice('virtual:'.length);
  const q = rest.indexOf('?');
  const name = (q < 0 ? rest : rest.slice(0, q)).trim();
  if (name === '') throw bad(spec, 'expected virtual:CHIP, e.g. virtual:esp32');
  const chip = chipById(name);
  if (!chip) throw bad(spec, `unknown chip "${name}" (known: ${CHIP_IDS.join(', ')})`);
  const out: Extract<TransportSpec, { kind: 'virtual' }> = { kind: 'virtual', chip: chip.id };
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  for (const [key, value] of params) {
    if (key === 'flash') {
      if (value === '') throw bad(spec, 'flash= needs a file path');
      out.flashPath = value;
    } else if (key === 'boot') {
      if (value !== 'download' && value !== 'normal') throw bad(spec, 'boot= is download or normal');
      out.bootMode = value;
    } else {
      throw bad(spec, `unknown virtual board option "${key}"`);
    }
  }
  return out;
}

/** The canonical text for a parsed spec, used as the transport's name. */
export function formatTransportSpec(spec: TransportSpec): string {
  switch (spec.kind) {
    case 'serial':
      return spec.path;
    case 'socket':
    case 'rfc2217': {
      const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
      return `${spec.kind}://${host}:${spec.port}`;
    }
    case 'virtual':
      return `virtual:${spec.chip}`;
  }
}
