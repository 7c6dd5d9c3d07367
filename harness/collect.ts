import assert from 'node:assert/strict';
import type { Transport } from '../src/transport/transport.js';

/** How long one read may wait before a test calls the line silent. */
const READ_WAIT_MS = 5000;

import { sleep } from '../src/platform/sleep.js';

export { sleep };

/** Reads (latin1) until `text` has arrived; a read that waits 5 s for nothing fails the test. */
export async function readUntil(t: Pick<Transport, 'read'>, text: string): Promise<string> {
  let out = '';
  while (!out.includes(text)) {
    const chunk = await t.read(READ_WAIT_MS);
    assert.ok(chunk.length > 0, `no "${text}" in ${JSON.stringify(out)}`);
    out += Buffer.from(chunk).toString('latin1');
  }
  return out;
}

/** Reads exactly `n` bytes (more stay unread only if they came in a later chunk); silence fails the test. */
export async function readExactly(t: Pick<Transport, 'read'>, n: number): Promise<Uint8Array> {
  const out: number[] = [];
  while (out.length < n) {
    const chunk = await t.read(READ_WAIT_MS);
    assert.ok(chunk.length > 0, `timed out after ${out.length} of ${n} bytes`);
    out.push(...chunk);
  }
  return Uint8Array.from(out);
}

/** Keeps what a board endpoint (or any onData source) hands out until the test takes it. */
export class ByteCollector {
  private got: number[] = [];

  constructor(source: { onData(listener: (data: Uint8Array) => void): void }) {
    source.onData((d) => this.got.push(...d));
  }

  get count(): number {
    return this.got.length;
  }

  /** Everything collected since the last take. */
  take(): Uint8Array {
    const out = Uint8Array.from(this.got);
    this.got = [];
    return out;
  }
}

/**
 * esptool's classic reset by the lines (EN pulse through RTS while DTR holds GPIO0 low), then reads
 * what the chip prints up to the ROM's "waiting for download".
 */
export async function classicResetToDownload(t: Pick<Transport, 'setSignals' | 'read'>): Promise<string> {
  await t.setSignals({ dtr: false, rts: true });
  await sleep(100);
  await t.setSignals({ dtr: true, rts: false });
  await sleep(50);
  await t.setSignals({ dtr: false, rts: false });
  return readUntil(t, 'waiting for download');
}
