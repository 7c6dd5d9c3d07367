/**
 * Picks where the interpreter runs when the caller did not say: a Web Worker where the platform has
 * them (browsers), else Node's worker_threads. The Node host is loaded by a computed specifier so
 * neither bundlers nor the browser ever see node:worker_threads; it is only reached in Node.
 */
import type { InterpreterHost } from './interpreter-protocol.js';
import { webWorkerHost } from './web-worker-host.js';

let nodeHost: Promise<InterpreterHost> | undefined;

export function defaultInterpreterHost(): Promise<InterpreterHost> {
  if (typeof Worker === 'function') return Promise.resolve(webWorkerHost());
  if (!nodeHost) {
    const specifier = '../node/interpreter-host.js';
    nodeHost = (import(/* @vite-ignore */ specifier) as Promise<{ nodeInterpreterHost(): InterpreterHost }>).then((m) => m.nodeInterpreterHost());
  }
  return nodeHost;
}
