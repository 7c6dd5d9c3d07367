import { UpyflashError } from '../../errors.js';
import { type Range, changedRanges, fileMd5 } from '../md5.js';
import { formatSize } from '../spi-flash.js';
import { type Session, canVerify } from './link-state.js';
import { chipMd5 } from './lost-loader.js';
import { ensureStub } from './stub-life.js';
import type { VerifyResult } from './types.js';

/** Compares one image with the flash by MD5, and on a mismatch says which 64 KiB chunks differ. */
export async function verify(s: Session, plan: { image: Uint8Array; address: number }): Promise<VerifyResult> {
  if (!canVerify(s)) await ensureStub(s);
  if (!canVerify(s)) {
    throw new UpyflashError('UNSUPPORTED_COMMAND', `The ${s.chip.name} ROM loader cannot compute MD5 checksums`, {
      hint: 'Run without --no-stub: the flasher stub can verify.',
    });
  }
  const r: Range = { offset: plan.address, length: plan.image.length };
  s.reporter.phase('verify', `Verifying ${formatSize(r.length)} at 0x${r.offset.toString(16)}...`);
  const want = fileMd5(plan.image);
  const got = await chipMd5(s, r);
  const differing = got === want ? [] : await changedRanges(s.link, plan.image, plan.address, r);
  return { address: r.offset, length: r.length, match: got === want, fileMd5: want, flashMd5: got, differing };
}
