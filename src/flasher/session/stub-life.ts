import { type UpyflashError, isUpyflashError } from '../../errors.js';
import type { StubImage } from '../../stub/stub-image.js';
import { SYNC_BAUD } from '../baud.js';
import { type StubProvider, runStub } from '../stub.js';
import { startedAtRomRate } from '../stub-fast.js';
import { isRetryable } from '../write.js';
import { setFlashParams } from './identify.js';
import { type Session, resetUndoes } from './link-state.js';
import { ensureBaud } from './rate.js';
import { recover } from './recover.js';
import { reconnectRom, resyncRom, romAnswers } from './rom-link.js';

/** Uploads of the stub before falling back to the ROM loader. */
const STUB_UPLOAD_ATTEMPTS = 3;

/** How the upload meets the rate change; an upload that fails at the fast rate drops both. */
interface UploadPlan {
  /** The rate is changed through the ROM before the upload (only where a reset can undo it). */
  romFirst: boolean;
  /** The stub goes back to the rate the ROM recorded at boot as it starts (stub-fast.ts follows it). */
  restoresAfter: boolean;
}

/** What to do after a failed upload: upload again, start over at the sync rate, or stay with the ROM. */
type AfterFailure = 'again' | 'from-sync-rate' | 'rom';

/**
 * Uploads the stub once, if allowed. A stub that will not start at the fast rate is uploaded again at
 * the sync rate; only when that fails too does the ROM loader carry on (with a warning).
 */
export async function ensureStub(s: Session): Promise<void> {
  const provider = stubProviderFor(s);
  if (!provider) return;
  const plan = uploadPlan(s);
  if (plan.romFirst && !(await romFirstHeld(s))) plan.romFirst = plan.restoresAfter = false;
  if (s.transport.baud === SYNC_BAUD) plan.restoresAfter = false;
  s.reporter.phase('stub', 'Uploading flasher stub...');
  const image = await provider(s.chip);
  for (let attempt = 1; ; attempt++) {
    const rate = s.transport.baud;
    try {
      await startStub(s, image, plan.restoresAfter);
      return;
    } catch (e) {
      if (!isUpyflashError(e, 'STUB_FAILED')) throw e;
      const next = await afterFailedUpload(s, e, attempt, plan, rate);
      if (next === 'rom') return;
      if (next === 'from-sync-rate') attempt = 0;
    }
  }
}

/** The stub's source when this session should bring it up now; undefined when it runs or may not. */
function stubProviderFor(s: Session): StubProvider | undefined {
  if (s.loader === 'stub' || s.opts.stub === false || !s.opts.stubProvider) return undefined;
  if (s.detection.secureDownload) {
    // Said once at connect (E013); here only for --verbose.
    s.reporter.debug('Secure Download Mode: the flasher stub cannot run; using the ROM loader.');
    return undefined;
  }
  return s.opts.stubProvider;
}

function uploadPlan(s: Session): UploadPlan {
  // Where the ROM can change the rate and the stub keeps the UART as the ROM left it, moving first
  // sends the ~7 KB stub at the fast rate. Where the stub re-programs the UART for the rate the ROM
  // recorded at boot (chip.stubRestoresRomBaud), a ROM-first change would be undone as the stub
  // starts, but uploading fast and changing the rate a second time through the stub still saves
  // ~0.5 s at 921600 and up (stub-fast.ts). Either way the ROM's change is a step only a reset can
  // undo (a ROM that acknowledges a rate and then runs another leaves the chip where no host can
  // follow): without a reset proven on this link, the stub goes up at the sync rate and changes the
  // rate itself, as esptool and esptool-js always do.
  const canChange = Boolean(s.link.dialect?.supportsChangeBaud) && s.transport.capabilities.baudRate;
  if (!canChange || !resetUndoes(s)) return { romFirst: false, restoresAfter: false };
  const restoresAfter = s.chip.stubRestoresRomBaud === true && s.transport.baud === SYNC_BAUD;
  return { romFirst: !s.chip.stubRestoresRomBaud || restoresAfter, restoresAfter };
}

/**
 * The ROM's change before the upload, to the one rate the job wants: one that does not hold is not
 * stepped down through the ROM but undone by a reset, and the stub goes up at the sync rate instead.
 */
async function romFirstHeld(s: Session): Promise<boolean> {
  try {
    await ensureBaud(s, { oneRate: true });
    return true;
  } catch (e) {
    if (!isUpyflashError(e, 'BAUD_FAILED')) throw e;
    // Not a warning: the stub's own change says what the link holds (and warns if that is less).
    s.reporter.debug(`${e.message} with the ROM loader; resetting: the stub goes up at ${SYNC_BAUD} baud and changes the rate itself`);
    await startOverAtSyncRate(s);
    return false;
  }
}

/** Reset into the ROM at the sync rate; the stub's own rate change later starts afresh. */
async function startOverAtSyncRate(s: Session): Promise<void> {
  await reconnectRom(s);
  s.rate.agreed = undefined;
  s.rate.asked = undefined;
}

async function startStub(s: Session, image: StubImage, restoresAfter: boolean): Promise<void> {
  await runStub(s.link, s.chip, image, s.reporter, restoresAfter ? startedAtRomRate(SYNC_BAUD) : undefined);
  // The rate is agreed again through the stub: it may have gone back to the recorded rate, and a
  // stub that raises the UART clock runs rates the ROM could not.
  s.rate.settled = false;
  s.loader = 'stub';
  s.reporter.info('Stub running');
  await setFlashParams(s);
}

async function afterFailedUpload(s: Session, e: UpyflashError, attempt: number, plan: UploadPlan, rate: number): Promise<AfterFailure> {
  if (plan.romFirst || rate !== SYNC_BAUD) {
    // The fast upload was the one step here that a reset must undo: reset, and upload at the sync
    // rate before the ROM loader is considered; the stub changes the rate itself once it runs.
    s.reporter.warn(`${e.message} at ${rate} baud; uploading it again at ${SYNC_BAUD} baud.`);
    await startOverAtSyncRate(s);
    plan.romFirst = plan.restoresAfter = false;
    return 'from-sync-rate';
  }
  // One garbled MEM_DATA on a noisy line is no reason to flash at ROM speed: upload it again
  // from MEM_BEGIN (the ROM takes a new upload at any time).
  if (attempt < STUB_UPLOAD_ATTEMPTS && isRetryable(e.cause)) {
    s.reporter.debug(`stub upload attempt ${attempt} failed (${e.message}); uploading again`);
    await recover(s);
    // A garbled MEM_END can send the ROM off to a wrong entry point: then only a reset brings it back
    // (where there is none, reconnectRom ends the job with E017).
    if (!(await romAnswers(s))) await reconnectRom(s);
    return 'again';
  }
  s.reporter.warn(`${e.message}; continuing with the ROM loader (slower).`);
  await resyncRom(s);
  return 'rom';
}
