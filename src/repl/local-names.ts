/**
 * Board file names become local file names only through here. A name from the board is data, not a
 * path: "..", ".", separators, control bytes and (on Windows) reserved characters would let a board
 * write outside the target folder or create files the OS cannot handle, so those are escaped as %XX
 * (a name made only of dots gets its dots escaped). Ordinary names, spaces, quotes and non-ASCII
 * letters pass unchanged.
 */

const WINDOWS_RESERVED = new Set(['<', '>', ':', '"', '|', '?', '*']);

export interface NamePolicy {
  /** Also escape what Windows forbids in names. */
  windows?: boolean;
}

function escapeChar(ch: string): string {
  return Array.from(new TextEncoder().encode(ch), (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
}

/** The local name for one board name component; equal to it when it is safe. */
export function localNameFor(boardName: string, policy: NamePolicy = {}): string {
  if (boardName === '') return '%00';
  if (/^\.+$/.test(boardName)) return boardName.replace(/\./g, '%2E');
  let out = '';
  for (const ch of boardName) {
    const c = ch.codePointAt(0)!;
    const unsafe = c < 0x20 || c === 0x7f || ch === '/' || ch === '\\' || (policy.windows === true && WINDOWS_RESERVED.has(ch));
    out += unsafe ? escapeChar(ch) : ch;
  }
  // Windows drops trailing dots and spaces, which could merge two names into one.
  if (policy.windows === true) out = out.replace(/[. ]$/, (m) => escapeChar(m));
  return out;
}

/** A board path below `base` as local relative components, each made safe. */
export function localPathFor(boardPath: string, base: string, policy: NamePolicy = {}): string[] {
  const rel = relativeBoardPath(boardPath, base);
  return rel.split('/').filter((p) => p !== '').map((p) => localNameFor(p, policy));
}

export function relativeBoardPath(boardPath: string, base: string): string {
  const b = base === '/' ? '' : base.replace(/\/+$/, '');
  if (b !== '' && !boardPath.startsWith(b + '/')) return boardPath.replace(/^\/+/, '');
  return boardPath.slice(b.length).replace(/^\/+/, '');
}

/** True when a name passed through unchanged. */
export function isSafeName(boardName: string, policy: NamePolicy = {}): boolean {
  return localNameFor(boardName, policy) === boardName;
}
