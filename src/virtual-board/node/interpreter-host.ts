/** Node's interpreter host: a worker thread running interpreter-worker-entry.ts. */
import { Worker } from 'node:worker_threads';
import type { FromWorker, InterpreterHost, ToWorker, WorkerLink } from '../micropython/interpreter-protocol.js';

export function nodeInterpreterHost(): InterpreterHost {
  return {
    spawn(): WorkerLink {
      const worker = new Worker(new URL('./interpreter-worker-entry.js', import.meta.url));
      // A board left powered must not keep the process alive (the REPL tools close their boards, tests may not).
      worker.unref();
      return {
        post: (message: ToWorker) => worker.postMessage(message),
        onMessage: (listener) => worker.on('message', (m: FromWorker) => listener(m)),
        onError: (listener) => worker.on('error', listener),
        terminate: () => void worker.terminate(),
      };
    },
  };
}
