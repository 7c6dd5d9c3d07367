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

/**
 * One panel action at a time: the panel's controls are refreshed (disabled) while it runs, and a
 * failure is shown in the panel's error box with code and hint, and focused for screen readers.
 */
export class PanelJobs {
  private running = false;

  constructor(
    private readonly errors: ErrorBox,
    private readonly changed: () => void,
  ) {}

  get busy(): boolean {
    return this.running;
  }

  async run(action: () => Promise<void>, afterwards?: () => void): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.errors.clear();
    this.changed();
    try {
      await action();
    } catch (e) {
      this.errors.show(e);
      this.errors.element.focus();
    } finally {
      this.running = false;
      afterwards?.();
      this.changed();
    }
  }
}
