import { type Range, changedRanges, fileMd5 } from '../md5.js';
import { type FlashPart, describeRanges, partRange, sumRanges } from '../parts.js';
import { formatSize } from '../spi-flash.js';
import { type Session, canVerify, stubPlanned } from './link-state.js';
import { ensureBaud } from './rate.js';
import { chipMd5 } from './lost-loader.js';
import { ensureStub } from './stub-life.js';

/** A part's MD5 on the host, computed once per job (the job never changes a part's bytes). */
export function partMd5(s: Session, p: FlashPart): string {
  let hex = s.partMd5s.get(p.bytes);
  if (hex === undefined) s.partMd5s.set(p.bytes, (hex = fileMd5(p.bytes)));
  return hex;
}

/**
 * The 64 KiB regions of every part that differ from the flash; all of it when this loader cannot tell.
 * One MD5 per part says whether anything differs at all (an unchanged image needs no rate change),
 * computed by the stub where it may run: it digests several times faster than the ROM, which runs at
 * the crystal clock (virtual-board/loader/md5-cost.ts), and it is needed for the write anyway. The fast
 * rate comes up only when something differs, so the chunk-by-chunk comparison's round trips are short.
 */
export async function changedParts(s: Session, parts: readonly FlashPart[]): Promise<Range[]> {
  if (!canVerify(s) || stubPlanned(s)) await ensureStub(s);
  if (!canVerify(s)) return parts.map(partRange);
  s.reporter.phase('compare', 'Comparing with the flash (64 KiB regions)...');
  const total = sumRanges(parts.map(partRange));
  const wholes: string[] = [];
  for (const p of parts) wholes.push(await chipMd5(s, partRange(p)));
  const todo: Range[] = [];
  if (parts.some((p, i) => wholes[i] !== partMd5(s, p))) {
    await ensureStub(s);
    if (s.loader !== 'stub') return wholePartsThatDiffer(s, parts, wholes);
    await ensureBaud(s);
    // Back to comparing (for the phase meter) without a second "Comparing" line.
    s.reporter.progress('compare', 0, total);
    let base = 0;
    for (const [i, p] of parts.entries()) {
      const onChunk = (done: number) => s.reporter.progress('compare', base + done, total);
      const known = { wholeFlashMd5: wholes[i]!, wholeFileMd5: partMd5(s, p) };
      todo.push(...(await changedRanges(s.link, p.bytes, p.address, partRange(p), { onChunk, ...known })));
      base += p.bytes.length;
    }
  }
  const skipped = total - sumRanges(todo);
  const md5 = parts.map((p) => partMd5(s, p)).join(', ');
  if (todo.length === 0) s.reporter.info(`Flash already holds this image (MD5 ${md5}): nothing to write.`);
  else if (skipped > 0) s.reporter.info(`Skipping ${formatSize(skipped)} that already match; writing ${describeRanges(todo)}.`);
  return todo;
}

/** Through the ROM loader each part that differs is written whole (flash-op.ts regionsFor): say so. */
function wholePartsThatDiffer(s: Session, parts: readonly FlashPart[], wholes: readonly string[]): Range[] {
  const todo = parts.filter((p, i) => wholes[i] !== partMd5(s, p)).map(partRange);
  const same = sumRanges(parts.map(partRange)) - sumRanges(todo);
  s.reporter.info(`Writing ${describeRanges(todo)} whole through the ROM loader${same ? ` (${formatSize(same)} in parts that already match skipped)` : ''}.`);
  return todo;
}
