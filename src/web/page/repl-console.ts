import type { Transport } from '../../transport/transport.js';
import { asUpyflashError, type UpyflashError } from '../../errors.js';
import { TerminalText } from '../terminal-text.js';
import { byId, oncePerFrame } from './dom.js';

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const READ_SLICE_MS = 200;
const MAX_HISTORY = 100;

/**
 * The MicroPython console: an output pane fed by the board and one input line. A line is sent whole
 * (with the Enter the REPL expects), so it works with phone keyboards and screen readers, which a
 * character-at-a-time terminal does not. Ctrl-C and Ctrl-D go through as the REPL's interrupt and
 * soft reset.
 */
export class ReplConsole {
  private readonly output = byId('repl-output', HTMLPreElement);
  private readonly form = byId('repl-form', HTMLFormElement);
  private readonly input = byId('repl-input', HTMLInputElement);
  private readonly send = byId('repl-send', HTMLButtonElement);
  private readonly interrupt = byId('repl-interrupt', HTMLButtonElement);
  /** Screen readers hear only new finished lines, not the whole pane again on each redraw. */
  private readonly live = byId('repl-live', HTMLParagraphElement);
  private announcedLines = 0;
  private readonly terminal = new TerminalText();
  private transport: Transport | undefined;
  private reading: Promise<void> | undefined;
  private readonly history: string[] = [];
  private historyAt = 0;
  private draft = '';
  private readonly scheduleRender = oncePerFrame(() => this.render());
  private readonly listeners: Array<(data: Uint8Array) => void> = [];

  constructor(private readonly onLost: (e: UpyflashError) => void) {
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.sendLine();
    });
    this.interrupt.addEventListener('click', () => {
      void this.write(Uint8Array.of(CTRL_C));
      this.input.focus();
    });
    this.input.addEventListener('keydown', (ev) => this.key(ev));
  }

  /** Everything the console shows from now on (the board's output and Run's), e.g. for the plotter. */
  onOutput(listener: (data: Uint8Array) => void): void {
    this.listeners.push(listener);
  }

  private tell(data: Uint8Array): void {
    for (const l of this.listeners) l(data);
  }

  get attached(): boolean {
    return this.transport !== undefined;
  }

  /**
   * Starts showing what the board prints; `initial` is what the boot check already read (the banner).
   * `keep` continues the scrollback (after a file job or a Run paused the console) instead of a fresh screen.
   */
  attach(transport: Transport, initial: Uint8Array = new Uint8Array(0), opts: { keep?: boolean } = {}): void {
    this.transport = transport;
    if (!opts.keep) {
      this.terminal.clear();
      this.announcedLines = 0;
    }
    this.terminal.push(initial);
    this.render();
    this.setEnabled(true);
    this.reading = this.readLoop(transport);
  }

  /** Stops reading (before the flasher takes the port again, or on disconnect). */
  async detach(): Promise<void> {
    this.transport = undefined;
    this.setEnabled(false);
    await this.reading;
    this.reading = undefined;
  }

  /** Shows bytes that did not come through the console's own reading (a Run's output, a note). */
  append(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.terminal.push(bytes);
    this.tell(bytes);
    this.scheduleRender();
  }

  /** Shows the REPL's prompt on a line of its own, unless the last line already is one. */
  showPrompt(): void {
    const line = this.terminal.currentLine();
    if (line === '>>> ') return;
    this.append(line === '' ? '>>> ' : '\r\n>>> ');
  }

  /** The input line, where focus goes once the console is live. */
  get inputElement(): HTMLInputElement {
    return this.input;
  }

  text(): string {
    return this.terminal.text();
  }

  private async readLoop(transport: Transport): Promise<void> {
    try {
      while (this.transport === transport) {
        const data = await transport.read(READ_SLICE_MS);
        if (this.transport !== transport) break;
        if (data.length > 0) {
          this.terminal.push(data);
          this.tell(data);
          this.scheduleRender();
        }
      }
    } catch (e) {
      if (this.transport === transport) {
        this.transport = undefined;
        this.setEnabled(false);
        this.onLost(asUpyflashError(e));
      }
    }
  }

  private sendLine(): void {
    const line = this.input.value;
    if (line.trim() !== '' && this.history.at(-1) !== line) {
      this.history.push(line);
      if (this.history.length > MAX_HISTORY) this.history.shift();
    }
    this.historyAt = this.history.length;
    this.draft = '';
    this.input.value = '';
    void this.write(new TextEncoder().encode(line + '\r'));
  }

  private key(ev: KeyboardEvent): void {
    if (ev.ctrlKey && !ev.altKey && !ev.metaKey) {
      const k = ev.key.toLowerCase();
      // Ctrl-C copies when text is selected, as everywhere else; otherwise it interrupts the board.
      const hasSelection = this.input.selectionStart !== this.input.selectionEnd;
      if (k === 'c' && !hasSelection) {
        ev.preventDefault();
        void this.write(Uint8Array.of(CTRL_C));
      } else if (k === 'd') {
        ev.preventDefault();
        void this.write(Uint8Array.of(CTRL_D));
      }
      return;
    }
    if (ev.key === 'ArrowUp' || ev.key === 'ArrowDown') {
      if (this.history.length === 0) return;
      ev.preventDefault();
      if (this.historyAt === this.history.length) this.draft = this.input.value;
      const step = ev.key === 'ArrowUp' ? -1 : 1;
      this.historyAt = Math.min(this.history.length, Math.max(0, this.historyAt + step));
      this.input.value = this.historyAt === this.history.length ? this.draft : this.history[this.historyAt]!;
    }
  }

  private async write(data: Uint8Array): Promise<void> {
    const t = this.transport;
    if (!t) return;
    try {
      await t.write(data);
    } catch (e) {
      if (this.transport === t) {
        this.transport = undefined;
        this.setEnabled(false);
        this.onLost(asUpyflashError(e));
      }
    }
  }

  private setEnabled(on: boolean): void {
    this.input.disabled = !on;
    this.send.disabled = !on;
    this.interrupt.disabled = !on;
  }

  private render(): void {
    const text = this.terminal.text();
    this.output.textContent = text;
    this.output.scrollTop = this.output.scrollHeight;
    const finished = text.split('\n').slice(0, -1);
    if (finished.length < this.announcedLines) this.announcedLines = 0; // scrollback was trimmed
    const fresh = finished.slice(this.announcedLines).filter((l) => l.trim() !== '');
    this.announcedLines = finished.length;
    if (fresh.length > 0) this.live.textContent = fresh.slice(-5).join('\n');
  }
}
