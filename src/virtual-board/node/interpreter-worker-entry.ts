/** The worker thread's entry: the shared interpreter worker on worker_threads' parentPort. */
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from '../micropython/interpreter-protocol.js';
import { runInterpreterWorker } from '../micropython/interpreter-worker.js';

const port = parentPort!;
runInterpreterWorker({
  post: (message: FromWorker) => port.postMessage(message),
  onMessage: (listener) => port.on('message', (m: ToWorker) => listener(m)),
});
