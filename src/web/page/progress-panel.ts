import type { ProgressEvent } from '../../progress.js';
import { initialProgressView, reduceProgress, formatBytes, stepTitle, type ProgressView } from '../progress-view.js';
import { asUpyflashError, type UpyflashError } from '../../errors.js';
import { byId } from './dom.js';
import { pageHint } from '../hint-actions.js';

/**
 * Progress bar, step text, live region, result line and error panel. Renders the reducer's view of
 * the progress events; errors show code, message and hint exactly as the CLI prints them.
 */
export class ProgressPanel {
  private view: ProgressView = initialProgressView;
  private readonly phaseText = byId('phase-text', HTMLParagraphElement);
  private readonly bar = byId('progress-bar', HTMLProgressElement);
  private readonly live = byId('progress-live', HTMLParagraphElement);
  private readonly result = byId('result-text', HTMLParagraphElement);
  private readonly errorPanel = byId('error-panel', HTMLDivElement);
  private readonly errorCode = byId('error-code', HTMLSpanElement);
  private readonly errorMessage = byId('error-message', HTMLSpanElement);
  private readonly errorHint = byId('error-hint', HTMLSpanElement);

  event(e: ProgressEvent): void {
    const next = reduceProgress(this.view, e);
    if (next === this.view) return;
    this.view = next;
    this.phaseText.textContent = next.percent === undefined ? next.message : `${stepTitle(next.message)}: ${next.percent} %${this.amount(next)}`;
    if (next.percent === undefined) this.bar.removeAttribute('value');
    else this.bar.value = next.percent;
    if (this.live.textContent !== next.announcement) this.live.textContent = next.announcement;
  }

  /** A plain status line outside the job's events (e.g. "Reading the firmware file"). */
  status(text: string): void {
    this.phaseText.textContent = text;
    this.live.textContent = text;
  }

  idle(text: string): void {
    this.status(text);
    this.bar.value = 0;
  }

  done(text: string, step = 'Done'): void {
    this.phaseText.textContent = step;
    this.bar.value = 100;
    this.result.textContent = text;
    this.result.hidden = false;
    this.live.textContent = text;
  }

  clear(): void {
    this.view = initialProgressView;
    this.result.hidden = true;
    this.result.textContent = '';
    this.errorPanel.hidden = true;
  }

  /** Where keyboard focus goes after a failure, so the message is read and the user is not left on <body>. */
  get errorElement(): HTMLElement {
    return this.errorPanel;
  }

  error(e: unknown): UpyflashError {
    const err = asUpyflashError(e);
    this.errorCode.textContent = err.code;
    this.errorMessage.textContent = err.message;
    this.errorHint.textContent = pageHint(err);
    this.errorPanel.hidden = false;
    this.bar.value = 0;
    this.phaseText.textContent = `Stopped: ${err.message}`;
    return err;
  }

  private amount(v: ProgressView): string {
    if (v.total <= 0) return '';
    return v.unit === 'files' ? ` (${v.done}/${v.total} files)` : ` (${formatBytes(v.done)} of ${formatBytes(v.total)})`;
  }
}
