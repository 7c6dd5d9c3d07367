/**
 * The micropython-lib index format (v2), as its tools/build.py writes it and mip reads it:
 *   index.json                                the package list, with the versions built per bytecode version
 *   package/<mpy|py>/<name>/<version>.json    {hashes: [[path, short sha256]], urls: [[path, url]], deps: [[name, version]]}
 *   file/<hash[:2]>/<hash>                    a file's bytes, named by the start of its SHA-256
 * Parsing checks the shapes we use, so a broken index is an error that names it, never a crash.
 */
import { UpyflashError } from '../errors.js';

export const DEFAULT_INDEX = 'https://micropython.org/pi/v2';

export interface IndexPackage {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly license: string;
  /** Bytecode version ("6") or "py" -> versions built for it. */
  readonly versions: Readonly<Record<string, readonly string[]>>;
}

export interface PackageIndex {
  readonly packages: readonly IndexPackage[];
}

export interface PackageJson {
  readonly version: string | undefined;
  readonly hashes: ReadonlyArray<readonly [string, string]>;
  readonly urls: ReadonlyArray<readonly [string, string]>;
  readonly deps: ReadonlyArray<readonly [string, string]>;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (e) {
    throw new UpyflashError('PACKAGE_CORRUPT', `${what} is not JSON`, { cause: e });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function parseIndex(bytes: Uint8Array, url: string): PackageIndex {
  const doc = parseJson(bytes, url);
  if (!isRecord(doc) || !Array.isArray(doc['packages'])) {
    throw new UpyflashError('PACKAGE_CORRUPT', `${url} is not a package index (no "packages" list)`);
  }
  const packages: IndexPackage[] = [];
  for (const p of doc['packages']) {
    if (!isRecord(p) || typeof p['name'] !== 'string') continue;
    const versions: Record<string, string[]> = {};
    if (isRecord(p['versions'])) {
      for (const [k, list] of Object.entries(p['versions'])) {
        if (Array.isArray(list)) versions[k] = list.filter((v): v is string => typeof v === 'string');
      }
    }
    packages.push({ name: p['name'], version: str(p['version']), description: str(p['description']), license: str(p['license']), versions });
  }
  return { packages };
}

function pairs(v: unknown, what: string): Array<readonly [string, string]> {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new UpyflashError('PACKAGE_CORRUPT', `${what} is not a list`);
  return v.map((item) => {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || (typeof item[1] !== 'string' && item[1] !== undefined)) {
      throw new UpyflashError('PACKAGE_CORRUPT', `${what} holds ${JSON.stringify(item)}, not a [name, value] pair`);
    }
    return [item[0], typeof item[1] === 'string' ? item[1] : ''] as const;
  });
}

export function parsePackageJson(bytes: Uint8Array, url: string): PackageJson {
  const doc = parseJson(bytes, url);
  if (!isRecord(doc)) throw new UpyflashError('PACKAGE_CORRUPT', `${url} is not a package description`);
  const out = {
    version: typeof doc['version'] === 'string' ? doc['version'] : undefined,
    hashes: pairs(doc['hashes'], `${url} "hashes"`),
    urls: pairs(doc['urls'], `${url} "urls"`),
    deps: pairs(doc['deps'], `${url} "deps"`),
  };
  for (const [path] of [...out.hashes, ...out.urls]) assertSafePath(path, url);
  return out;
}

/** A target path from an index must stay inside the target folder. */
function assertSafePath(path: string, url: string): void {
  const parts = path.split('/');
  if (path.startsWith('/') || parts.some((p) => p === '..' || p === '') || /[\0-\x1f]/.test(path)) {
    throw new UpyflashError('UNSAFE_PATH', `${url} names the file "${path}", which would leave the target folder`);
  }
}

export function packageJsonUrl(index: string, build: string, name: string, version: string): string {
  return `${index}/package/${build}/${name}/${version}.json`;
}

export function fileUrl(index: string, shortHash: string): string {
  return `${index}/file/${shortHash.slice(0, 2)}/${shortHash}`;
}
