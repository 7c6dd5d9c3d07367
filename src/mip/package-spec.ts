/**
 * What a user types after `mip install`: an index package (`NAME[@VERSION]`), or a location
 * (`github:org/repo[/path][@ref]`, `gitlab:...`, `http(s)://...`) as mpremote's mip accepts them. A
 * location ending in .py/.mpy is one file; anything else names a package.json (or the folder holding it).
 */
import { UpyflashError } from '../errors.js';

export type PackageSpec =
  | { readonly kind: 'index'; readonly text: string; readonly name: string; readonly version: string | undefined }
  | { readonly kind: 'url'; readonly text: string; readonly url: string; readonly version: string | undefined };

const LOCATION_PREFIXES = ['http://', 'https://', 'github:', 'gitlab:'] as const;
const INDEX_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function isLocation(text: string): boolean {
  return LOCATION_PREFIXES.some((p) => text.startsWith(p));
}

export function parsePackageSpec(text: string): PackageSpec {
  const trimmed = text.trim();
  // The version follows the last '@' (a location may hold '@' only in its ref).
  const at = trimmed.lastIndexOf('@');
  const head = at > 0 ? trimmed.slice(0, at) : trimmed;
  const version = at > 0 ? trimmed.slice(at + 1) : undefined;
  if (version === '') throw new UpyflashError('BAD_ARGUMENT', `"${text}": nothing after "@" (give a version, e.g. ${head}@1.0)`);
  if (isLocation(head)) return { kind: 'url', text: trimmed, url: head, version };
  if (!INDEX_NAME.test(head)) {
    throw new UpyflashError('BAD_ARGUMENT', `"${text}" is neither a package name nor a location`, {
      hint: 'Give a name from the index (e.g. `ssd1306`, `umqtt.simple@1.4.0`) or github:org/repo[/path][@ref].',
    });
  }
  return { kind: 'index', text: trimmed, name: head, version };
}

/** github:/gitlab: shorthands to the raw file URL at `ref` (HEAD, the default branch, when none). */
export function locationUrl(location: string, ref: string | undefined): string {
  const branch = ref && ref !== 'latest' ? ref : 'HEAD';
  for (const [prefix, build] of [
    ['github:', (o: string, r: string, p: string) => `https://raw.githubusercontent.com/${o}/${r}/${branch}/${p}`],
    ['gitlab:', (o: string, r: string, p: string) => `https://gitlab.com/${o}/${r}/-/raw/${branch}/${p}`],
  ] as const) {
    if (!location.startsWith(prefix)) continue;
    const [org = '', repo = '', ...rest] = location.slice(prefix.length).split('/');
    if (org === '' || repo === '') throw new UpyflashError('BAD_ARGUMENT', `"${location}": expected ${prefix}ORG/REPO[/PATH]`);
    return build(org, repo, rest.join('/'));
  }
  return location;
}

/** A location that is one module file rather than a package. */
export function isSingleFile(location: string): boolean {
  return /\.(py|mpy)$/.test(location);
}

/** The package.json a package location stands for. */
export function packageJsonLocation(location: string): string {
  if (location.endsWith('.json')) return location;
  return location.endsWith('/') ? `${location}package.json` : `${location}/package.json`;
}
