/**
 * Turns the byte stream of a MicroPython REPL into plain lines of text for the page's console. The
 * REPL edits its own line with carriage returns, backspaces and a few ANSI sequences (erase to end of
 * line, cursor left/right) when it auto-indents, completes or recalls history; showing those raw would
 * leave garbage, so this keeps a tiny screen model: finished lines plus the line being edited and a cursor.
 * Browser-safe and DOM-free so it can be tested in Node.
 */

const ESC = 0x1b;

export class TerminalText {
  private readonly lines: string[] = [];
  private current: string[] = [];
  private cursor = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  /** Bytes of an escape sequence that has not ended yet (sequences can be split across reads). */
  private pendingEscape = '';

  constructor(private readonly maxLines = 2000) {}

  push(data: Uint8Array): void {
    const text = this.decoder.decode(data, { stream: true });
    for (const ch of text) this.put(ch);
  }

  /** Everything received, as the terminal would show it now. */
  text(): string {
    return [...this.lines, this.current.join('')].join('\n');
  }

  /** The line the cursor is on (the prompt while the REPL waits for input). */
  currentLine(): string {
    return this.current.join('');
  }

  clear(): void {
    this.lines.length = 0;
    this.current = [];
    this.cursor = 0;
    this.pendingEscape = '';
  }

  private put(ch: string): void {
    if (this.pendingEscape) {
      this.pendingEscape += ch;
      if (this.escapeComplete()) {
        this.applyEscape(this.pendingEscape);
        this.pendingEscape = '';
      }
      return;
    }
    const code = ch.codePointAt(0)!;
    if (code === ESC) {
      this.pendingEscape = ch;
      return;
    }
    switch (ch) {
      case '\n':
        this.newline();
        return;
      case '\r':
        this.cursor = 0;
        return;
      case '\b':
        if (this.cursor > 0) this.cursor--;
        return;
      case '\t':
        this.write('    ');
        return;
      default:
        // Other control characters (the raw REPL's \x04 markers, bells) have no visible form.
        if (code < 0x20 || code === 0x7f) return;
        this.write(ch);
    }
  }

  private write(s: string): void {
    for (const ch of s) {
      while (this.current.length < this.cursor) this.current.push(' ');
      this.current[this.cursor] = ch;
      this.cursor++;
    }
  }

  private newline(): void {
    this.lines.push(this.current.join(''));
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    this.current = [];
    this.cursor = 0;
  }

  private escapeComplete(): boolean {
    const s = this.pendingEscape;
    if (s.length < 2) return false;
    if (s[1] !== '[') return true; // two-character escape (e.g. ESC c): nothing we model
    const last = s.charCodeAt(s.length - 1);
    // A CSI sequence ends with a byte in 0x40..0x7E; give up on runaway sequences.
    return (s.length > 2 && last >= 0x40 && last <= 0x7e) || s.length > 16;
  }

  private applyEscape(seq: string): void {
    const m = /^\x1b\[(\d*)([A-Za-z])$/.exec(seq);
    if (!m) return;
    const n = m[1] ? Number(m[1]) : undefined;
    switch (m[2]) {
      case 'K': // erase in line: 0/none = cursor to end (what MicroPython's line editor sends)
        if (n === undefined || n === 0) this.current.length = Math.min(this.current.length, this.cursor);
        else if (n === 2) this.current = [];
        return;
      case 'D':
        this.cursor = Math.max(0, this.cursor - (n ?? 1));
        return;
      case 'C':
        this.cursor += n ?? 1;
        return;
      default:
        return;
    }
  }
}
