import { UpyflashError } from '../../errors.js';
import { LineFaultStreak, lineFault } from '../line-faults.js';
import { readFlashRange } from '../read.js';
import { formatSize } from '../spi-flash.js';
import { LINE_FAULTS_BEFORE_SLOWDOWN } from '../write-with-retry.js';
import { isRetryable } from '../write.js';
import type { Session } from './link-state.js';
import { ensureBaud } from './rate.js';
import { recover } from './recover.js';
import { checkLoader } from './lost-loader.js';
import { slowDown } from './slow-down.js';
import { ensureStub } from './stub-life.js';

/** READ_FLASH in pieces, each checked against the chip's MD5 and read again on its own. */
const READ_CHUNK = 0x40000;
const READ_TRIES = 4;

/** Line faults across the chunks of one read: enough of them in a row step the rate down. */
interface ReadFaults {
  readonly streak: LineFaultStreak;
  /** Slow-downs asked for since the last chunk that came through. */
  streaks: number;
}

/** READ_FLASH through the stub, in chunks that are each checked against the chip's MD5 and retried. */
export async function readFlash(s: Session, address: number, size: number, phase: 'read' | 'backup' = 'read'): Promise<Uint8Array> {
  await ensureStub(s);
  if (!s.link.dialect?.supportsStubCommands) {
    throw new UpyflashError('UNSUPPORTED_COMMAND', 'Reading flash needs the flasher stub', {
      hint: s.opts.stub === false ? 'Run without --no-stub.' : 'The stub did not start; try again or lower --baud.',
    });
  }
  await ensureBaud(s);
  if (phase === 'read') s.reporter.phase('read', `Reading ${formatSize(size)} at 0x${address.toString(16)}...`);
  const out = new Uint8Array(size);
  const faults: ReadFaults = { streak: new LineFaultStreak(LINE_FAULTS_BEFORE_SLOWDOWN), streaks: 0 };
  for (let at = 0; at < size; at += READ_CHUNK) {
    const len = Math.min(READ_CHUNK, size - at);
    out.set(await readChunk(s, address + at, len, faults, (done) => s.reporter.progress(phase, at + done, size)), at);
  }
  return out;
}

async function readChunk(s: Session, from: number, len: number, faults: ReadFaults, onProgress: (done: number) => void): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    try {
      const data = await readFlashRange(s.link, from, len, onProgress);
      faults.streak.succeeded();
      faults.streaks = 0;
      return data;
    } catch (e) {
      if (!isRetryable(e) || attempt >= READ_TRIES - 1) throw e;
      s.reporter.debug(`read at 0x${from.toString(16)}+${len} failed at ${s.transport.baud} baud (${(e as Error).message}); retrying`);
      await recover(s);
      if (lineFault(e) === 'no reply') await checkLoader(s);
      // The same slow-down as the write loop: a chunk read again at a rate that garbles it fails again.
      if (faults.streak.failed(e)) {
        const why = faults.streak.why;
        faults.streak.clear();
        if ((await slowDown(s, why, ++faults.streaks)) !== undefined) attempt = -1;
      }
    }
  }
}
