/**
 * Python literals both ways: quoting names and data into the snippets we run on the board, and reading
 * back what the board prints with repr() (str, bytes, int, tuple, list, None, True, False). MicroPython
 * prints non-ASCII characters of a str either as they are (UTF-8) or as \x/\u escapes depending on the
 * port, so both are accepted.
 */
import { UpyflashError } from '../errors.js';

export type PyValue = string | Uint8Array | number | boolean | null | PyValue[];

/** A str literal for `s`; non-ASCII characters stay UTF-8 (as mpremote sends them). */
export function pyStr(s: string): string {
  let out = "'";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + "'";
}

/** A bytes literal: printable ASCII as is, everything else \xNN. */
export function pyBytes(data: Uint8Array): string {
  let out = "b'";
  for (const c of data) {
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27) out += "\\'";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + "'";
}

function bad(text: Uint8Array, at: number, why: string): UpyflashError {
  const shown = new TextDecoder().decode(text.subarray(Math.max(0, at - 20), at + 40));
  return new UpyflashError('REPL_ERROR', `Could not read the board's reply (${why} near ${JSON.stringify(shown)})`);
}

/** Parses every literal in `text`, separated by commas and/or whitespace (e.g. `(..),(..),`). */
export function parsePyLiterals(text: Uint8Array): PyValue[] {
  const p = new Parser(text);
  const out: PyValue[] = [];
  for (;;) {
    p.skipSeparators();
    if (p.done()) return out;
    out.push(p.value());
  }
}

export function parsePyLiteral(text: Uint8Array): PyValue {
  const all = parsePyLiterals(text);
  if (all.length !== 1) throw bad(text, 0, `expected one value, found ${all.length}`);
  return all[0]!;
}

class Parser {
  private at = 0;
  constructor(private readonly s: Uint8Array) {}

  done(): boolean {
    return this.at >= this.s.length;
  }

  skipSeparators(): void {
    while (!this.done() && (this.s[this.at] === 0x2c || isSpace(this.s[this.at]!))) this.at++;
  }

  private skipSpace(): void {
    while (!this.done() && isSpace(this.s[this.at]!)) this.at++;
  }

  value(): PyValue {
    this.skipSpace();
    const c = this.s[this.at];
    if (c === 0x28) return this.sequence(0x29);
    if (c === 0x5b) return this.sequence(0x5d);
    if (c === 0x27 || c === 0x22) return this.str();
    if (c === 0x62 && (this.s[this.at + 1] === 0x27 || this.s[this.at + 1] === 0x22)) {
      this.at++;
      return this.bytes();
    }
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return this.int();
    for (const [word, v] of [['None', null], ['True', true], ['False', false]] as const) {
      if (this.matchWord(word)) return v;
    }
    throw bad(this.s, this.at, 'unexpected character');
  }

  private matchWord(word: string): boolean {
    for (let i = 0; i < word.length; i++) if (this.s[this.at + i] !== word.charCodeAt(i)) return false;
    this.at += word.length;
    return true;
  }

  private sequence(close: number): PyValue[] {
    this.at++;
    const items: PyValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.s[this.at] === close) {
        this.at++;
        return items;
      }
      if (this.done()) throw bad(this.s, this.at, 'unterminated tuple or list');
      items.push(this.value());
      this.skipSpace();
      if (this.s[this.at] === 0x2c) this.at++;
      else if (this.s[this.at] !== close) throw bad(this.s, this.at, 'expected , or closing bracket');
    }
  }

  private int(): number {
    const start = this.at;
    if (this.s[this.at] === 0x2d) this.at++;
    while (!this.done() && this.s[this.at]! >= 0x30 && this.s[this.at]! <= 0x39) this.at++;
    const n = Number(new TextDecoder().decode(this.s.subarray(start, this.at)));
    if (!Number.isFinite(n) || this.at === start) throw bad(this.s, start, 'bad number');
    return n;
  }

  /** Reads a quoted body, calling `raw` for plain bytes and `escape` for backslash sequences. */
  private quoted(onByte: (b: number) => void, onEscape: (kind: number, hexDigits: string) => void): void {
    const quote = this.s[this.at++]!;
    for (;;) {
      if (this.done()) throw bad(this.s, this.at, 'unterminated string');
      const c = this.s[this.at++]!;
      if (c === quote) return;
      if (c !== 0x5c) {
        onByte(c);
        continue;
      }
      const e = this.s[this.at++];
      if (e === undefined) throw bad(this.s, this.at, 'unterminated escape');
      const width = e === 0x78 ? 2 : e === 0x75 ? 4 : e === 0x55 ? 8 : 0;
      if (width > 0) {
        const digits = new TextDecoder().decode(this.s.subarray(this.at, this.at + width));
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== width) throw bad(this.s, this.at, 'bad escape');
        this.at += width;
        onEscape(e, digits);
      } else {
        onEscape(e, '');
      }
    }
  }

  private str(): string {
    let out = '';
    let pending: number[] = [];
    const flush = (): void => {
      if (pending.length) out += new TextDecoder().decode(new Uint8Array(pending));
      pending = [];
    };
    this.quoted(
      (b) => pending.push(b),
      (kind, digits) => {
        flush();
        if (digits) out += String.fromCodePoint(parseInt(digits, 16));
        else out += simpleEscape(kind) ?? '\\' + String.fromCharCode(kind);
      },
    );
    flush();
    return out;
  }

  private bytes(): Uint8Array {
    const out: number[] = [];
    this.quoted(
      (b) => out.push(b),
      (kind, digits) => {
        if (digits) out.push(parseInt(digits, 16));
        else {
          const s = simpleEscape(kind);
          if (s === undefined) out.push(0x5c, kind);
          else out.push(s.charCodeAt(0));
        }
      },
    );
    return new Uint8Array(out);
  }
}

function simpleEscape(kind: number): string | undefined {
  switch (kind) {
    case 0x6e: return '\n';
    case 0x72: return '\r';
    case 0x74: return '\t';
    case 0x5c: return '\\';
    case 0x27: return "'";
    case 0x22: return '"';
    case 0x30: return '\0';
    case 0x61: return '\x07';
    case 0x62: return '\b';
    case 0x66: return '\f';
    case 0x76: return '\v';
    default: return undefined;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
