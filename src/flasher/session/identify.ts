import { isUpyflashError } from '../../errors.js';
import { commands } from '../../protocol/commands.js';
import { type ChipDetails, readChipFacts } from '../detect.js';
import { commandWithRetry } from '../retry.js';
import { readFlashId } from '../spi-flash.js';
import type { LinkState } from './link-state.js';
import type { TargetInfo } from './types.js';
import { readChipIdentity } from '../chip-identity.js';

/** SPI attach and flash id (RDID through the SPI registers), then tell the loader the flash size. */
export async function attachFlash(s: LinkState): Promise<void> {
  const d = s.link.dialect!;
  if (s.loader === 'rom') {
    if (d.spiAttachWords === 0) await commandWithRetry(s.link, commands.flashBegin(d, 0, 0, d.flashBlockSize, 0));
    else await commandWithRetry(s.link, commands.spiAttach(d));
  }
  if (s.detection.secureDownload) return;
  s.flashId = await readFlashId(s.link, s.chip);
  await setFlashParams(s);
}

export async function setFlashParams(s: LinkState): Promise<void> {
  const size = s.flashId?.sizeBytes;
  if (size === undefined) return;
  try {
    await commandWithRetry(s.link, commands.spiSetParams(size));
  } catch (e) {
    if (!isUpyflashError(e, 'UNSUPPORTED_COMMAND')) throw e;
  }
}

/** esptool's chip_id + flash_id in one: description, MAC, crystal, revision, flash id and size. */
export async function chipDetails(s: LinkState): Promise<ChipDetails> {
  const chip = s.chip;
  let facts: Awaited<ReturnType<typeof readChipFacts>> | undefined;
  if (!s.detection.secureDownload) facts = await readChipFacts(s.link, chip, s.transport.baud);
  const rev = facts?.revision;
  const identity = await readChipIdentity(s.link, chip, { secureDownload: s.detection.secureDownload });
  return {
    chip: chip.name,
    description: identity?.description ?? (rev ? `${chip.name} (revision v${rev.major}.${rev.minor})` : chip.name),
    ...(identity ? { identity } : {}),
    revision: rev,
    mac: facts?.mac,
    crystalMHz: facts?.crystalMHz,
    flashId: s.flashId,
    flashSizeBytes: s.flashId?.sizeBytes,
    secureDownload: s.detection.secureDownload,
    security: s.detection.security,
  };
}

export function targetOf(s: LinkState): TargetInfo {
  return { chip: s.chip, flashSizeBytes: s.flashId?.sizeBytes, secureDownload: s.detection.secureDownload, security: s.detection.security };
}

/** Chip, flash size and (where the chip data says how to read it) revision: what a firmware is checked against. */
export async function describeTarget(s: LinkState): Promise<TargetInfo> {
  return { ...targetOf(s), ...(await chipRevisionIfKnown(s)) };
}

async function chipRevisionIfKnown(s: LinkState): Promise<{ chipRevision?: number }> {
  if (!s.chip.revision || s.detection.secureDownload) return {};
  const facts = await readChipFacts(s.link, s.chip, s.transport.baud);
  return facts.revision ? { chipRevision: facts.revision.major * 100 + facts.revision.minor } : {};
}
