/**
 * A worker thread that serves one virtual board (board-pool.ts starts one per board), so that one
 * board's CPU work (MicroPython, deflate, MD5 of a big region) does not slow the others and each board
 * has its own MicroPython instance. Messages: in `workerData` the ServeBoardOptions; out
 * {type:'ready', line, port, host} or {type:'error', message}; in 'close', out {type:'closed'}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveVirtualBoard, type ServeBoardOptions, type ServedBoard } from './serve-board.js';

export type WorkerReport =
  | { type: 'ready'; line: string; host: string; port: number }
  | { type: 'error'; message: string; code?: string }
  | { type: 'closed' };

const port = parentPort;
if (port) {
  let served: ServedBoard | undefined;
  const report = (r: WorkerReport): void => port.postMessage(r);
  port.on('message', (msg: unknown) => {
    if (msg !== 'close') return;
    void (async () => {
      await served?.close();
      report({ type: 'closed' });
      port.close();
    })();
  });
  serveVirtualBoard(workerData as ServeBoardOptions).then(
    (s) => {
      served = s;
      report({ type: 'ready', line: s.line, host: s.server.host, port: s.server.port });
    },
    (err: unknown) => {
      const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
      report({ type: 'error', message: err instanceof Error ? err.message : String(err), ...(code ? { code } : {}) });
    },
  );
}
