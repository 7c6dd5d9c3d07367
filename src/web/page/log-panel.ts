import type { ProgressEvent } from '../../progress.js';
import { byId, oncePerFrame } from './dom.js';

interface LogLine {
  readonly level: 'info' | 'warn' | 'debug' | 'error';
  readonly text: string;
}

const MAX_LINES = 5000;

/**
 * The log under the progress bar: the same phase and log events the CLI prints, with protocol detail
 * (debug) behind a checkbox so beginners see a short story and helpers can ask for the long one.
 */
export class LogPanel {
  private readonly lines: LogLine[] = [];
  private readonly pre = byId('log', HTMLPreElement);
  private readonly verbose = byId('log-verbose', HTMLInputElement);
  /** Protocol detail can arrive hundreds of times a second; draw once per frame. */
  private readonly schedule = oncePerFrame(() => this.render());

  constructor() {
    this.verbose.addEventListener('change', () => this.render());
  }

  event(e: ProgressEvent): void {
    if (e.type === 'phase') this.add('info', e.message);
    else if (e.type === 'log') this.add(e.level, e.level === 'warn' ? `warning: ${e.message}` : e.message);
  }

  add(level: LogLine['level'], text: string): void {
    this.lines.push({ level, text });
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    this.schedule();
  }

  text(): string {
    return this.visible().join('\n');
  }

  private visible(): string[] {
    const all = this.verbose.checked;
    return this.lines.filter((l) => all || l.level !== 'debug').map((l) => l.text);
  }

  private render(): void {
    const atBottom = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
    this.pre.textContent = this.text();
    if (atBottom) this.pre.scrollTop = this.pre.scrollHeight;
  }
}
