/** Resolves after `ms` milliseconds (setTimeout exists in Node and in browsers alike). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
