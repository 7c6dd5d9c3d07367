import { asUpyflashError, type UpyflashError } from '../../errors.js';

/** An error shown where it happened (files panel, editor) with its code and what to do, as the CLI prints it. */
export class ErrorBox {
  constructor(private readonly el: HTMLElement) {}

  show(e: unknown): UpyflashError {
    const err = asUpyflashError(e);
    this.set('.error-code', err.code);
    this.set('.error-message', err.message);
    this.set('.error-hint', err.hint);
    this.el.hidden = false;
    return err;
  }

  clear(): void {
    this.el.hidden = true;
  }

  get element(): HTMLElement {
    return this.el;
  }

  private set(selector: string, text: string): void {
    const node = this.el.querySelector(selector);
    if (node) node.textContent = text;
  }
}
