/**
 * Requests waiting for their answers, matched first-in first-out per answer code. Used for RFC 2217
 * COM-PORT-OPTION acknowledgements; browser-safe.
 */

interface Waiter {
  resolve: (payload: Uint8Array) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class PendingAnswers {
  private readonly waiting = new Map<number, Waiter[]>();

  /** Resolves with the answer's payload, or rejects with onTimeout() after timeoutMs. */
  expect(code: number, timeoutMs: number, onTimeout: () => Error): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const list = this.waiting.get(code) ?? [];
      this.waiting.set(code, list);
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = list.indexOf(waiter);
          if (i >= 0) list.splice(i, 1);
          reject(onTimeout());
        }, timeoutMs),
      };
      list.push(waiter);
    });
  }

  /** Hands an answer to the oldest request waiting for it; false if nobody was waiting. */
  answer(code: number, payload: Uint8Array): boolean {
    const waiter = this.waiting.get(code)?.shift();
    if (!waiter) return false;
    clearTimeout(waiter.timer);
    waiter.resolve(payload);
    return true;
  }

  failAll(reason: Error): void {
    for (const list of this.waiting.values()) {
      for (const w of list.splice(0)) {
        clearTimeout(w.timer);
        w.reject(reason);
      }
    }
  }
}
