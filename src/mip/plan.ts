/**
 * Resolves what `mip install` puts on the board before anything is written: each package's files (the
 * .mpy build for the board's bytecode version, else the source build), the files of its dependencies,
 * and single-file URLs. Every byte is downloaded and checked against its index hash here, so a network
 * failure or a bad file stops the install with the board untouched.
 */
import { UpyflashError, isUpyflashError } from '../errors.js';
import { isNotFound, isUnreachable } from '../firmware/http.js';
import { sha256, toHex } from '../platform/hash.js';
import type { Reporter } from '../progress.js';
import { fileUrl, packageJsonUrl, parseIndex, parsePackageJson, type IndexPackage, type PackageIndex } from './index-format.js';
import { isLocation, isSingleFile, locationUrl, packageJsonLocation, parsePackageSpec, type PackageSpec } from './package-spec.js';
import type { MipSource } from './source.js';

export interface PlannedFile {
  /** Relative to the target folder, '/'-separated. */
  readonly path: string;
  readonly bytes: Uint8Array;
  /** The package (or URL) it belongs to. */
  readonly from: string;
}

export interface PlannedPackage {
  readonly name: string;
  readonly version: string;
  /** "6" (.mpy for that bytecode version), "py" (source) or "url". */
  readonly build: string;
  readonly files: readonly string[];
  /** Why it is installed: the user asked, or the package that depends on it. */
  readonly requiredBy: string | undefined;
}

export interface InstallPlan {
  readonly packages: readonly PlannedPackage[];
  readonly files: readonly PlannedFile[];
  /** Some bytes came from the cache because the index could not be reached. */
  readonly offline: boolean;
}

export interface PlanOptions {
  readonly index: string;
  /** The board's bytecode version (sys.implementation._mpy & 0xff); undefined installs source. */
  readonly mpy: number | undefined;
  readonly source: MipSource;
  readonly reporter: Reporter;
}

export async function planInstall(specs: readonly string[], opts: PlanOptions): Promise<InstallPlan> {
  const planner = new Planner({ ...opts, index: opts.index.replace(/\/+$/, '') });
  for (const text of specs) await planner.add(parsePackageSpec(text), undefined);
  return { packages: planner.packages, files: [...planner.files.values()], offline: planner.offline };
}

class Planner {
  readonly packages: PlannedPackage[] = [];
  readonly files = new Map<string, PlannedFile>();
  offline = false;
  private indexDoc: PackageIndex | undefined;
  private readonly seen = new Set<string>();

  constructor(private readonly opts: PlanOptions) {}

  async add(spec: PackageSpec, requiredBy: string | undefined): Promise<void> {
    const key = spec.kind === 'index' ? spec.name : spec.url;
    // A dependency named twice (or by two packages) is installed once: the first request wins.
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (spec.kind === 'url') return this.addLocation(spec, requiredBy);
    return this.addIndexPackage(spec.name, spec.version, requiredBy);
  }

  private async addIndexPackage(name: string, asked: string | undefined, requiredBy: string | undefined): Promise<void> {
    const entry = await this.lookup(name);
    const version = asked === undefined || asked === '' || asked === 'latest' ? 'latest' : asked;
    const build = this.chooseBuild(entry, version);
    const url = packageJsonUrl(this.opts.index, build, name, version);
    const json = parsePackageJson(await this.get(url, version !== 'latest', 'package'), url);
    const files: string[] = [];
    for (const [path, hash] of json.hashes) {
      const bytes = await this.get(fileUrl(this.opts.index, hash), true, 'file');
      if (!toHex(sha256(bytes)).startsWith(hash.toLowerCase())) {
        throw new UpyflashError('PACKAGE_CORRUPT', `${name}: ${path} does not match its hash ${hash} in the index`, {
          details: { package: name, path, hash },
        });
      }
      this.put(path, bytes, name, files);
    }
    await this.addUrls(json.urls, version, name, files);
    this.packages.push({ name, version: json.version ?? (version === 'latest' ? entry.version : version), build, files, requiredBy });
    this.opts.reporter.info(`${name} ${json.version ?? version} (${build === 'py' ? 'source' : `.mpy v${build}`}): ${files.length} file(s)`);
    await this.addDeps(json.deps, name);
  }

  private async addLocation(spec: Extract<PackageSpec, { kind: 'url' }>, requiredBy: string | undefined): Promise<void> {
    const files: string[] = [];
    if (isSingleFile(spec.url)) {
      const bytes = await this.get(locationUrl(spec.url, spec.version), false, 'file');
      this.put(spec.url.split('/').pop()!, bytes, spec.text, files);
      this.packages.push({ name: spec.text, version: spec.version ?? 'latest', build: 'url', files, requiredBy });
      return;
    }
    const url = locationUrl(packageJsonLocation(spec.url), spec.version);
    const json = parsePackageJson(await this.get(url, false, 'package'), url);
    if (json.hashes.length > 0) {
      // Hashes point into an index's file store: the location's own index is not known, use ours.
      for (const [path, hash] of json.hashes) this.put(path, await this.get(fileUrl(this.opts.index, hash), true, 'file'), spec.text, files);
    }
    await this.addUrls(json.urls, spec.version, spec.text, files);
    this.packages.push({ name: spec.text, version: json.version ?? spec.version ?? 'latest', build: 'url', files, requiredBy });
    await this.addDeps(json.deps, spec.text);
  }

  private async addUrls(urls: PackageJsonPairs, ref: string | undefined, from: string, files: string[]): Promise<void> {
    for (const [path, location] of urls) {
      this.put(path, await this.get(locationUrl(location, ref), false, 'file'), from, files);
    }
  }

  private async addDeps(deps: PackageJsonPairs, from: string): Promise<void> {
    for (const [dep, depVersion] of deps) {
      const text = depVersion && depVersion !== 'latest' ? `${dep}@${depVersion}` : dep;
      await this.add(isLocation(dep) ? { kind: 'url', text, url: dep, version: depVersion || undefined } : parsePackageSpec(text), from);
    }
  }

  private put(path: string, bytes: Uint8Array, from: string, files: string[]): void {
    if (!this.files.has(path)) this.files.set(path, { path, bytes, from });
    files.push(path);
  }

  /** The board's .mpy build when the index has this version for it, else the source build. */
  private chooseBuild(entry: IndexPackage, version: string): string {
    const has = (build: string): boolean => {
      const list = entry.versions[build];
      return list !== undefined && (version === 'latest' ? list.length > 0 : list.includes(version));
    };
    const mpy = this.opts.mpy;
    if (mpy !== undefined && has(String(mpy))) return String(mpy);
    if (has('py')) return 'py';
    const builds = Object.entries(entry.versions).filter(([, l]) => version === 'latest' ? l.length > 0 : l.includes(version)).map(([b]) => b);
    if (builds.length === 0) {
      const known = [...new Set(Object.values(entry.versions).flat())];
      throw new UpyflashError('PACKAGE_NOT_FOUND', `${entry.name} has no version ${version} in the index`, {
        hint: known.length ? `Versions in the index: ${known.join(', ')}. Leave @VERSION out for the latest.` : 'The index lists no version of it.',
        details: { package: entry.name, version, versions: known },
      });
    }
    throw new UpyflashError('NO_BUILD_FOR_BOARD', `${entry.name} ${version} is built only for bytecode version(s) ${builds.join(', ')}; this board runs .mpy version ${mpy ?? '(none)'}`, {
      details: { package: entry.name, version, builds, boardMpy: mpy ?? null },
    });
  }

  private async lookup(name: string): Promise<IndexPackage> {
    if (!this.indexDoc) {
      const url = `${this.opts.index}/index.json`;
      this.indexDoc = parseIndex(await this.get(url, false, 'index'), url);
    }
    const entry = this.indexDoc.packages.find((p) => p.name === name);
    if (entry) return entry;
    const lower = name.toLowerCase();
    const near = this.indexDoc.packages.filter((p) => p.name.toLowerCase().includes(lower) || lower.includes(p.name.toLowerCase())).map((p) => p.name);
    throw new UpyflashError('PACKAGE_NOT_FOUND', `No package "${name}" in ${this.opts.index}`, {
      ...(near.length ? { hint: `Did you mean ${near.slice(0, 5).join(', ')}? \`upyflash mip search WORD\` lists what the index has.` } : {}),
      details: { package: name, index: this.opts.index, similar: near.slice(0, 5) },
    });
  }

  private async get(url: string, immutable: boolean, what: 'index' | 'package' | 'file'): Promise<Uint8Array> {
    try {
      const got = await this.opts.source.fetch(url, { immutable });
      if (got.stale) {
        if (!this.offline) this.opts.reporter.warn(`Cannot reach ${this.opts.index}: installing from the cache`);
        this.offline = true;
      }
      return got.bytes;
    } catch (e) {
      if (isUnreachable(e)) {
        throw new UpyflashError('INDEX_UNREACHABLE', `Cannot reach ${url} and it is not in the cache`, {
          cause: e,
          details: { url },
        });
      }
      if (isNotFound(e) && what !== 'index') {
        throw new UpyflashError('PACKAGE_NOT_FOUND', `Not found: ${url}`, {
          hint: what === 'package' ? 'Check the name, version or location (github:org/repo/path@ref).' : 'The package names a file its server does not have.',
          cause: e,
          details: { url },
        });
      }
      if (isUpyflashError(e)) throw e;
      throw new UpyflashError('INDEX_UNREACHABLE', `${url}: ${(e as Error).message}`, { cause: e, details: { url } });
    }
  }
}

type PackageJsonPairs = ReadonlyArray<readonly [string, string]>;

/** Index entries whose name or description holds every word of `query` (case-insensitive). */
export function searchIndex(index: PackageIndex, query: string): IndexPackage[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return index.packages.filter((p) => {
    const text = `${p.name} ${p.description}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}
