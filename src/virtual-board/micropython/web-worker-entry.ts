/** The Web Worker's entry: the shared interpreter worker on the worker's global scope. */
import type { FromWorker, ToWorker } from './interpreter-protocol.js';
import { runInterpreterWorker } from './interpreter-worker.js';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (e: { data: ToWorker }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
runInterpreterWorker({
  post: (message) => scope.postMessage(message),
  onMessage: (listener) => scope.addEventListener('message', (e) => listener(e.data)),
});
