import { after } from 'node:test';

export type Cleanup = () => Promise<void> | void;

/**
 * Collects what a test file opened (boards, servers, sockets) and closes it after all its tests, last
 * opened first. Call once at the file's top level.
 */
export function cleanupAfterAll(): (...cleanups: Cleanup[]) => void {
  const list: Cleanup[] = [];
  after(async () => {
    for (const c of list.reverse()) await c();
  });
  return (...cleanups) => {
    list.push(...cleanups);
  };
}
