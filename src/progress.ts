/**
 * Progress is a stream of small events. The CLI (bar or plain lines), the web page and --json all
 * render the same events, so a job never prints anything itself.
 */

export type Phase =
  | 'connect'
  | 'detect'
  | 'stub'
  | 'baud'
  | 'backup'
  | 'erase'
  | 'compare'
  | 'write'
  | 'verify'
  | 'read'
  | 'reset'
  | 'boot'
  | 'download'
  | 'files';

export type ProgressEvent =
  | { type: 'phase'; phase: Phase; message: string }
  | { type: 'progress'; phase: Phase; done: number; total: number; unit?: 'bytes' | 'files' }
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; message: string };

export interface ProgressSink {
  emit(event: ProgressEvent): void;
}

export const silentProgress: ProgressSink = { emit() {} };

/** Small helper so jobs can write `progress.info('...')` instead of building event objects. */
export class Reporter {
  constructor(private readonly sink: ProgressSink = silentProgress) {}
  phase(phase: Phase, message: string): void {
    this.sink.emit({ type: 'phase', phase, message });
  }
  progress(phase: Phase, done: number, total: number, unit: 'bytes' | 'files' = 'bytes'): void {
    this.sink.emit({ type: 'progress', phase, done, total, unit });
  }
  info(message: string): void {
    this.sink.emit({ type: 'log', level: 'info', message });
  }
  warn(message: string): void {
    this.sink.emit({ type: 'log', level: 'warn', message });
  }
  debug(message: string): void {
    this.sink.emit({ type: 'log', level: 'debug', message });
  }
}
