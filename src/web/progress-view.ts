import type { Phase, ProgressEvent } from '../progress.js';

/**
 * What the page's progress area shows, derived from the same progress events the CLI renders. Kept
 * DOM-free so the rules (percent, what a screen reader hears) are tested without a browser.
 */
export interface ProgressView {
  readonly phase: Phase | undefined;
  /** The job's own words for the current step, e.g. "Writing 1.4 MB at 0x1000". */
  readonly message: string;
  /** 0..100 while a step reports progress; undefined for steps without a measure (bar shows busy). */
  readonly percent: number | undefined;
  readonly done: number;
  readonly total: number;
  readonly unit: 'bytes' | 'files';
  /**
   * Text for the ARIA live region. It changes only on a new step or a 10 % step, so a screen reader
   * hears "Writing… 40 %" rather than hundreds of updates.
   */
  readonly announcement: string;
}

export const initialProgressView: ProgressView = {
  phase: undefined,
  message: '',
  percent: undefined,
  done: 0,
  total: 0,
  unit: 'bytes',
  announcement: '',
};

export function reduceProgress(view: ProgressView, event: ProgressEvent): ProgressView {
  switch (event.type) {
    case 'phase':
      return {
        phase: event.phase,
        message: event.message,
        percent: undefined,
        done: 0,
        total: 0,
        unit: 'bytes',
        announcement: event.message,
      };
    case 'progress': {
      const percent = event.total > 0 ? Math.min(100, Math.floor((event.done / event.total) * 100)) : 100;
      const message = view.phase === event.phase && view.message ? view.message : phaseTitle(event.phase);
      const step = Math.floor(percent / 10) * 10;
      const lastStep = view.phase === event.phase && view.percent !== undefined ? Math.floor(view.percent / 10) * 10 : -1;
      return {
        phase: event.phase,
        message,
        percent,
        done: event.done,
        total: event.total,
        unit: event.unit ?? 'bytes',
        announcement: step !== lastStep ? `${stepTitle(message)}: ${step} %` : view.announcement,
      };
    }
    case 'log':
      return view;
  }
}

/** The step's message without the trailing ellipsis jobs put on it ("Writing 1 MB..." -> "Writing 1 MB"), for "<step>: 40 %". */
export function stepTitle(message: string): string {
  return message.replace(/(\.\.\.|…)$/, '');
}

/** A title for a step when the job reported progress without announcing the step first. */
export function phaseTitle(phase: Phase): string {
  return PHASE_TITLES[phase];
}

const PHASE_TITLES: Record<Phase, string> = {
  connect: 'Connecting',
  detect: 'Detecting the chip',
  stub: 'Starting the flasher stub',
  baud: 'Changing the baud rate',
  backup: 'Backing up files',
  erase: 'Erasing',
  compare: 'Comparing with the flash',
  write: 'Writing',
  verify: 'Verifying',
  read: 'Reading',
  reset: 'Resetting the board',
  boot: 'Waiting for MicroPython',
  download: 'Downloading firmware',
  files: 'Copying files',
};

/** "1.4 MB" style sizes for progress text. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
