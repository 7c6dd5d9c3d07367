/**
 * Modeled time of one command's processing. The loader's CPU and the flash chip are two resources: a
 * page program or an erase the code waits for blocks both, an erase the stub only *starts* (its
 * erase-ahead) keeps the flash busy while the CPU goes on inflating and receiving. `cursor` is the CPU's
 * time; replies are sent at the cursor, and the next command is taken when the cursor has passed.
 */
export class WorkClock {
  /** CPU time reached by the command being processed (ms, the board's clock). */
  cursor = 0;
  /** When the flash chip finishes what it was last told to do. */
  private flashFreeAt = 0;

  start(now: number): void {
    this.cursor = Math.max(this.cursor, now);
  }

  /** The CPU waits for the flash, then for an operation of `costMs` it started. */
  flashBlocking(costMs: number): void {
    const start = Math.max(this.cursor, this.flashFreeAt);
    this.flashFreeAt = start + costMs;
    this.cursor = this.flashFreeAt;
  }

  /** The CPU waits until the flash is ready, starts an operation and goes on without waiting for it. */
  flashStart(costMs: number): void {
    const start = Math.max(this.cursor, this.flashFreeAt);
    this.cursor = start;
    this.flashFreeAt = start + costMs;
  }

  flashBusy(): boolean {
    return this.flashFreeAt > this.cursor;
  }

  reset(now: number): void {
    this.cursor = now;
    this.flashFreeAt = now;
  }
}
