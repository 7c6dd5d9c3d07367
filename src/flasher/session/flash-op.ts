import { UpyflashError } from '../../errors.js';
import { CompressedRegions } from '../compressed-cache.js';
import { type Range, changedRanges } from '../md5.js';
import { type FinalCheckSteps, describeSpan, finalCheck } from '../final-check.js';
import { type FlashPart, alignedBody, checkParts, partRange, sliceOf, sumRanges } from '../parts.js';
import { formatSize } from '../spi-flash.js';
import { type RetryWriteResult, writeWithRetry } from '../write-with-retry.js';
import { changedParts, partMd5 } from './compare.js';
import { erase } from './erase-op.js';
import { type Session, canVerify, phaseStats, requireFlashSize } from './link-state.js';
import { ensureBaud } from './rate.js';
import { readFlash } from './read-op.js';
import { recover } from './recover.js';
import { checkLoader, chipMd5 } from './lost-loader.js';
import { slowDown } from './slow-down.js';
import { ensureStub } from './stub-life.js';
import type { FlashPlan, FlashResult } from './types.js';

/**
 * Data blocks sent ahead of the stub's acknowledgements. The stub has two receive buffers and acks a
 * block when its main loop starts inflating it out of one of them (stub_flasher.c cmd_loop,
 * stub_write_flash.c handle_flash_deflated_data); the next block fills the other. A second block in
 * flight lands in the buffer still being inflated whenever a block takes longer to write than the next
 * takes to arrive, which at 2 Mbaud is every block. esptool sends one at a time, and so do we.
 */
export const STUB_BLOCKS_IN_FLIGHT = 1;

/** Retries in a row that make no progress before giving up. */
const DEFAULT_WRITE_RETRIES = 12;

/** Backup, erase, compare, write what differs, check the whole image after the last write, and the result. */
export async function flash(s: Session, plan: FlashPlan): Promise<FlashResult> {
  // 1. Validate first: a refused image leaves the flash exactly as it was.
  const parts = await partsOf(plan);
  const compressed = plan.compressed ?? new CompressedRegions();
  // Most jobs write every part's 64 KiB-aligned body (the app): compress it now, off the main
  // thread, while the chip is compared and the stub goes up. An unchanged image wastes ~0.1 s of a core.
  for (const p of parts) {
    const body = alignedBody(partRange(p));
    if (body) void compressed.deflate(sliceOf(parts, body), s.deflate).catch(() => undefined);
  }
  const backupBytes = plan.backup ? await backupWholeFlash(s, plan.backup) : 0;
  if (plan.eraseAll) await erase(s);
  // 2. What differs? Cheapest loader that can tell: the ROM's MD5 where it has one.
  const todo = !plan.eraseAll && plan.skipUnchanged !== false ? await changedParts(s, parts) : parts.map(partRange);
  // Compress what is to be written while the stub goes up and the rate changes (off the main thread).
  for (const r of splitAtBodies(todo, parts)) void compressed.deflate(sliceOf(parts, r), s.deflate).catch(() => undefined);
  // 3. Write what differs, verify every written region, retry cleanly.
  const w = todo.length ? await writeChanged(s, parts, todo, compressed) : NOTHING_WRITTEN;
  // 4. The claim rests on a check after the last write: with nothing written, the compare's MD5s were
  //    that check; otherwise the chip checks every part whole now (final-check.ts).
  let retries = w.retries;
  const written = [...w.written];
  if (todo.length && canVerify(s)) {
    await finalCheck(finalCheckSteps(s, parts, compressed, written, () => retries++), parts, w.checkedAfterLastWrite);
  }
  reportVerified(s, parts);
  const md5s = parts.map((p) => partMd5(s, p));
  const imageBytes = sumRanges(parts.map(partRange));
  return {
    chip: s.chip.name,
    address: parts[0]!.address,
    imageBytes,
    md5: md5s[0]!,
    parts: parts.map((p, i) => ({ address: p.address, length: p.bytes.length, md5: md5s[i]! })),
    verified: canVerify(s),
    written,
    writtenBytes: Math.min(imageBytes, sumRanges(written)),
    skippedBytes: Math.max(0, imageBytes - sumRanges(written)),
    erasedChip: Boolean(plan.eraseAll),
    backupBytes,
    retries,
    wireBytes: w.wireBytes,
    compressedBytes: w.compressedBytes,
    stub: s.loader === 'stub',
    baud: s.transport.baud,
    phases: phaseStats(s),
  };
}

async function partsOf(plan: FlashPlan): Promise<readonly FlashPart[]> {
  const parts = plan.parts ?? (plan.image && plan.address !== undefined ? [{ address: plan.address, bytes: plan.image }] : undefined);
  if (!parts) throw new UpyflashError('INTERNAL', 'flash() needs parts, or an image and an address');
  checkParts(parts);
  return parts;
}

async function backupWholeFlash(s: Session, sink: (flash: Uint8Array) => Promise<void>): Promise<number> {
  const size = requireFlashSize(s, '--backup');
  s.reporter.phase('backup', `Backing up ${formatSize(size)} of flash...`);
  const data = await readFlash(s, 0, size, 'backup');
  await sink(data);
  return data.length;
}

const NOTHING_WRITTEN: RetryWriteResult = { written: [], wireBytes: 0, compressedBytes: 0, retries: 0, checkedAfterLastWrite: [] };

async function writeChanged(s: Session, parts: readonly FlashPart[], todo: Range[], compressed: CompressedRegions): Promise<RetryWriteResult> {
  await ensureStub(s);
  await ensureBaud(s);
  return writeRegions(s, parts, regionsFor(s, parts, todo), compressed);
}

/**
 * Regions as the running loader writes them. The stub splits at each part's body (compressed ahead).
 * The ROM loader writes each part that differs whole, as one region, as esptool does: it is the
 * fallback path, and the one where an emulated ESP32 ROM left bytes between regions (final-check.ts).
 */
function regionsFor(s: Session, parts: readonly FlashPart[], todo: readonly Range[]): Range[] {
  if (s.loader === 'stub') return splitAtBodies(todo, parts);
  return parts.filter((p) => todo.some((r) => r.offset >= p.address && r.offset < p.address + p.bytes.length)).map(partRange);
}

/** What the final check needs: the chip's MD5, a compare, and a rewrite of a span as one region. */
function finalCheckSteps(s: Session, parts: readonly FlashPart[], compressed: CompressedRegions, written: Range[], onRetry: () => void): FinalCheckSteps {
  return {
    reporter: s.reporter,
    chipMd5: (r) => chipMd5(s, r),
    fileMd5: (p) => partMd5(s, p),
    differing: (p, whole) => changedRanges(s.link, p.bytes, p.address, partRange(p), { wholeFlashMd5: whole, wholeFileMd5: partMd5(s, p) }),
    rewrite: async (spans) => {
      onRetry();
      written.push(...(await writeRegions(s, parts, [...spans], compressed)).written);
    },
  };
}

async function writeRegions(s: Session, parts: readonly FlashPart[], regions: Range[], compressed: CompressedRegions): Promise<RetryWriteResult> {
  const d = s.link.dialect!;
  return writeWithRetry(
    {
      link: s.link,
      reporter: s.reporter,
      deflate: compressed.using(s.deflate),
      timeouts: s.timeouts,
      canVerify: canVerify(s),
      sendEnd: s.loader === 'stub',
      maxInFlight: s.loader === 'stub' ? (s.opts.maxInFlight ?? STUB_BLOCKS_IN_FLIGHT) : 1,
      blockSize: Math.min(d.flashBlockSize, s.opts.blockSize ?? d.flashBlockSize),
      retriesAllowed: s.opts.writeRetries ?? DEFAULT_WRITE_RETRIES,
      recover: () => recover(s),
      slowDown: (why, streak) => slowDown(s, why, streak),
      afterNoReply: () => checkLoader(s),
    },
    parts,
    regions,
  );
}

function reportVerified(s: Session, parts: readonly FlashPart[]): void {
  if (!canVerify(s)) {
    s.reporter.warn(
      `Written but NOT verified: the ${s.chip.name} ${s.detection.secureDownload ? 'Secure Download Mode' : 'ROM loader'} cannot compute checksums${s.opts.stub === false ? ' (run without --no-stub to verify)' : ''}.`,
    );
    return;
  }
  for (const p of parts) {
    s.reporter.phase(
      'verify',
      `Verified: MD5 ${partMd5(s, p)} over ${formatSize(p.bytes.length)} at 0x${p.address.toString(16)} (${describeSpan(partRange(p))}, checked by the chip after the last write)`,
    );
  }
}

/**
 * Ranges cut where a part's aligned body starts, so the body is written as the region compressed ahead
 * (flash()), and the bootloader area before it as regions of its own.
 */
function splitAtBodies(todo: readonly Range[], parts: readonly FlashPart[]): Range[] {
  const cuts = parts.map((p) => alignedBody(partRange(p))?.offset).filter((c): c is number => c !== undefined);
  const out: Range[] = [];
  for (const r of todo) {
    const cut = cuts.find((c) => c > r.offset && c < r.offset + r.length);
    if (cut === undefined) out.push(r);
    else out.push({ offset: r.offset, length: cut - r.offset }, { offset: cut, length: r.offset + r.length - cut });
  }
  return out;
}
