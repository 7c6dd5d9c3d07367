import type { BoardSession } from './board-session.js';
import { byId } from './dom.js';
import { ErrorBox, PanelJobs } from './error-box.js';

/**
 * A panel that acts on the open board one job at a time (Wi-Fi, Libraries): its controls work while a
 * board is open and no job of the panel runs; a failure shows in the panel's error box.
 */
export abstract class SessionPanel {
  protected session: BoardSession | undefined;
  protected readonly errors: ErrorBox;
  protected readonly jobs: PanelJobs;

  constructor(errorBoxId: string) {
    this.errors = new ErrorBox(byId(errorBoxId, HTMLDivElement));
    this.jobs = new PanelJobs(this.errors, () => this.setEnabled());
  }

  open(session: BoardSession): void {
    this.session = session;
    this.setEnabled();
  }

  close(): void {
    this.session = undefined;
    this.setEnabled();
  }

  protected get idle(): boolean {
    return this.session !== undefined && !this.jobs.busy;
  }

  protected async job(action: (session: BoardSession) => Promise<void>): Promise<void> {
    const session = this.session;
    if (session) await this.jobs.run(() => action(session));
  }

  protected abstract setEnabled(): void;
}
