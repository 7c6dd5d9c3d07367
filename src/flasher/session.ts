import type { ChipSpec } from '../chips/index.js';
import type { Reporter } from '../progress.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import type { Transport } from '../transport/transport.js';
import { connectLoader } from './connect.js';
import { type ChipDetails, type Detection, detectChip } from './detect.js';
import { MeteredTransport } from './metered-transport.js';
import { type PhaseStat, PhaseMeter } from './phase-meter.js';
import type { AfterMode } from './reset.js';
import { secureDownloadNotice } from './security.js';
import { erase, eraseRegion } from './session/erase-op.js';
import { flash } from './session/flash-op.js';
import { attachFlash, chipDetails, describeTarget, targetOf } from './session/identify.js';
import { type Session, newSession, phaseStats } from './session/link-state.js';
import { ensureBaud } from './session/rate.js';
import { readFlash } from './session/read-op.js';
import { hardReset } from './session/reset-op.js';
import { resetProven } from './session/rom-link.js';
import { slowDown } from './session/slow-down.js';
import { ensureStub } from './session/stub-life.js';
import type { FlashPlan, FlashResult, SessionOptions, TargetInfo, VerifyResult } from './session/types.js';
import { verify } from './session/verify-op.js';

export type { FlashPlan, FlashResult, SessionOptions, TargetInfo, VerifyResult } from './session/types.js';
export { STUB_BLOCKS_IN_FLIGHT } from './session/flash-op.js';

/** Opens the transport, enters the ROM loader and identifies the chip. Everything else happens on demand. */
export async function connect(port: Transport, opts: SessionOptions, outer: Reporter): Promise<FlasherSession> {
  const transport = new MeteredTransport(port);
  const meter = new PhaseMeter(transport.count);
  const reporter = meter.tee(outer);
  await transport.open();
  reporter.phase('connect', `Connecting to ${transport.name}...`);
  const conn = await connectLoader(
    transport,
    {
      ...(opts.before ? { before: opts.before } : {}),
      ...(opts.connectAttempts ? { attempts: opts.connectAttempts } : {}),
      ...(opts.resetStrategies ? { strategies: opts.resetStrategies } : {}),
    },
    reporter,
  );
  const statusBytes = conn.statusBytes;
  reporter.phase('detect', 'Detecting chip type...');
  const detection = await detectChip(conn.link, {
    statusBytes,
    stubRunning: conn.stubRunning,
    ...(opts.chip ? { expected: opts.chip } : {}),
  });
  const session = new FlasherSession(transport, conn.link, detection, conn.stubRunning, opts, reporter, meter, resetProven(conn));
  reporter.info(`Chip is ${detection.chip.name}${detection.secureDownload ? ' (Secure Download Mode)' : ''}`);
  if (detection.secureDownload) reporter.warn(secureDownloadNotice(detection.chip));
  await session.attachFlash();
  return session;
}

/**
 * The public face of a connected board. What the link is now lives in one state object
 * (session/link-state.ts); each operation is a module of functions over it (session/*.ts).
 */
export class FlasherSession {
  private readonly s: Session;
  private closed = false;

  constructor(
    readonly transport: Transport,
    readonly link: LoaderLink,
    readonly detection: Detection,
    stubAlreadyRunning: boolean,
    opts: SessionOptions,
    reporter: Reporter,
    meter?: PhaseMeter,
    /** connect() entered the ROM through a DTR/RTS reset (session/rom-link.ts resetProven). */
    resetWorked = false,
  ) {
    this.s = newSession({ transport, link, detection, stubRunning: stubAlreadyRunning, resetProven: resetWorked, opts, reporter, meter });
  }

  /** Host->chip wire bytes for the whole session (SLIP framed). */
  get wireBytesOut(): number {
    return this.link.bytesWritten;
  }

  get chip(): ChipSpec {
    return this.detection.chip;
  }

  /** Per-phase wall time and wire traffic since connect() began (empty for a session built by hand). */
  phaseStats(): PhaseStat[] {
    return phaseStats(this.s);
  }

  get usingStub(): boolean {
    return this.s.loader === 'stub';
  }

  get flashSizeBytes(): number | undefined {
    return this.s.flashId?.sizeBytes;
  }

  get target(): TargetInfo {
    return targetOf(this.s);
  }

  /** SPI attach and flash id (RDID through the SPI registers), then tell the loader the flash size. */
  attachFlash(): Promise<void> {
    return attachFlash(this.s);
  }

  /** esptool's chip_id + flash_id in one: description, MAC, crystal, revision, flash id and size. */
  detect(): Promise<ChipDetails> {
    return chipDetails(this.s);
  }

  /** Chip, flash size and (where the chip data says how to read it) revision: what a firmware is checked against. */
  describeTarget(): Promise<TargetInfo> {
    return describeTarget(this.s);
  }

  /** Uploads the flasher stub once, if allowed (session/stub-life.ts). */
  ensureStub(): Promise<void> {
    return ensureStub(this.s);
  }

  /** Moves to the fast rate, proven before it is relied on (session/rate.ts). */
  ensureBaud(): Promise<void> {
    return ensureBaud(this.s);
  }

  /** Steps down one rate after the line kept corrupting frames mid-job (session/slow-down.ts). */
  slowDown(why: string, streak: number): Promise<number | undefined> {
    return slowDown(this.s, why, streak);
  }

  flash(plan: FlashPlan): Promise<FlashResult> {
    return flash(this.s, plan);
  }

  /** Erases the whole chip: ERASE_FLASH through the stub, FLASH_BEGIN over all of it through a ROM. */
  erase(): Promise<void> {
    return erase(this.s);
  }

  /** Erases one sector-aligned region (esptool erase_region). */
  eraseRegion(offset: number, size: number): Promise<void> {
    return eraseRegion(this.s, offset, size);
  }

  verify(plan: { image: Uint8Array; address: number }): Promise<VerifyResult> {
    return verify(this.s, plan);
  }

  /** READ_FLASH through the stub, in chunks that are each checked against the chip's MD5 and retried. */
  readFlash(address: number, size: number, phase: 'read' | 'backup' = 'read'): Promise<Uint8Array> {
    return readFlash(this.s, address, size, phase);
  }

  /** Restarts the chip into its firmware: the RTS pulse, or without reset lines the watchdog or FLASH_END. */
  hardReset(): Promise<void> {
    return hardReset(this.s);
  }

  /** Runs the --after action and closes the transport. */
  async close(after: AfterMode = this.s.opts.after ?? 'hard-reset'): Promise<void> {
    // The flash job closes the session itself before it reopens the port for the boot check.
    if (this.closed) return;
    this.closed = true;
    try {
      if (after === 'hard-reset') await this.hardReset();
    } finally {
      await this.transport.close();
    }
  }
}
