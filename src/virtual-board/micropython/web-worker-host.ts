/**
 * The browser's interpreter host: a module Web Worker running web-worker-entry.ts. Written as
 * `new Worker(new URL(...), { type: 'module' })` so Vite bundles the worker with the page.
 */
import type { FromWorker, InterpreterHost, ToWorker, WorkerLink } from './interpreter-protocol.js';

export function webWorkerHost(): InterpreterHost {
  return {
    spawn(): WorkerLink {
      const worker = new Worker(new URL('./web-worker-entry.js', import.meta.url), { type: 'module' });
      return {
        post: (message: ToWorker) => worker.postMessage(message),
        onMessage: (listener) => worker.addEventListener('message', (e: MessageEvent<FromWorker>) => listener(e.data)),
        onError: (listener) => worker.addEventListener('error', (e: ErrorEvent) => listener(new Error(e.message))),
        terminate: () => worker.terminate(),
      };
    },
  };
}
