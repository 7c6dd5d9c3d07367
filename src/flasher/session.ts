import { type ChipSpec, ROM_MAGIC_REG, uartMaxBaud } from '../chips/index.js';
import { UpyflashError, isUpyflashError } from '../errors.js';
import { Reporter } from '../progress.js';
import { type Deflate, compressionStreamDeflate } from '../platform/deflate.js';
import { type Command, commands } from '../protocol/commands.js';
import type { LoaderLink } from '../protocol/loader-link.js';
import type { Transport } from '../transport/transport.js';
import { type BaudOptions, DEFAULT_FAST_BAUD, FALLBACK_BAUDS, SYNC_BAUD, changeBaud, chooseTarget, fitUnder } from './baud.js';
import { connectLoader } from './connect.js';
import { type ChipDetails, type Detection, detectChip, readChipFacts } from './detect.js';
import { readChipIdentity } from './chip-identity.js';
import { type Range, changedRanges, fileMd5, flashMd5 } from './md5.js';
import { type FlashPart, alignedBody, checkParts, describeRanges, partRange, sliceOf, sumRanges } from './parts.js';
import { readFlashRange } from './read.js';
import { commandWithRetry } from './retry.js';
import { type AfterMode, type BeforeMode, type ResetStrategy, hardReset as pulseReset } from './reset.js';
import { BlockTimeouts } from './block-timeouts.js';
import { MeteredTransport } from './metered-transport.js';
import { type PhaseStat, PhaseMeter } from './phase-meter.js';
import { type ChipSecurity, secureDownloadNotice } from './security.js';
import { type FlashId, formatSize, readFlashId } from './spi-flash.js';
import { type StubProvider, runStub } from './stub.js';
import { startedAtRomRate } from './stub-fast.js';
import { type AutoBaud, autoBaudReport, firstAutoRate } from './auto-baud.js';
import { CompressedRegions } from './compressed-cache.js';
import { eraseChip, eraseRegion, isRetryable } from './write.js';
import { LineFaultStreak } from './line-faults.js';
import { LINE_FAULTS_BEFORE_SLOWDOWN, type RetryWriteResult, writeWithRetry } from './write-with-retry.js';

/** esptool erase_region's alignment: the flash erases 4 KiB sectors. */
const FLASH_SECTOR = 0x1000;

export interface SessionOptions {
  readonly before?: BeforeMode;
  readonly after?: AfterMode;
  /** Expected chip (--chip); undefined = detect. */
  readonly chip?: ChipSpec;
  /** Upload the flasher stub when a job needs it (default true; --no-stub sets false). */
  readonly stub?: boolean;
  /** Where the stub comes from (Node: esptool-js in node_modules). Without it the ROM loader is used. */
  readonly stubProvider?: StubProvider;
  /** --baud: exact rate; undefined = --baud auto (autoBaud), else 921600, with automatic fallback. */
  readonly baud?: number;
  /** --baud auto: the bridge's trusted rates and what worked before (auto-baud.ts). */
  readonly autoBaud?: AutoBaud;
  readonly deflate?: Deflate;
  /** Unacknowledged data blocks allowed through the stub (default 1, see STUB_BLOCKS_IN_FLIGHT; ROMs always get 1). */
  readonly maxInFlight?: number;
  /** Data block size; default (and upper limit) the loader's own (16 KiB for the stub, 1 KiB for ROMs). */
  readonly blockSize?: number;
  readonly connectAttempts?: number;
  /** Reset strategies to cycle instead of esptool's default sequence. */
  readonly resetStrategies?: readonly ResetStrategy[];
  /** Times a failed or unverified region is written again. */
  readonly writeRetries?: number;
}

/** What to flash: the parts (address + bytes), or one image at one address. Check them first (flash-job.ts). */
export interface FlashPlan {
  readonly parts?: readonly FlashPart[];
  readonly image?: Uint8Array;
  readonly address?: number;
  /** Erase the whole chip first (--erase). */
  readonly eraseAll?: boolean;
  /** Compare per 64 KiB and write only what differs (default true; --no-skip sets false). */
  readonly skipUnchanged?: boolean;
  /** Receives the whole flash, read before anything is erased (--backup FILE). */
  readonly backup?: (flash: Uint8Array) => Promise<void>;
  /** Compressed regions shared by every board and reflash of one firmware (flash-job.ts). */
  readonly compressed?: CompressedRegions;
}

export interface TargetInfo {
  readonly chip: ChipSpec;
  readonly flashSizeBytes: number | undefined;
  readonly secureDownload: boolean;
  /** Secure Download Mode, flash encryption, secure boot (flasher/security.ts); absent = not read. */
  readonly security?: ChipSecurity;
  /** major*100+minor (esptool's get_chip_revision) where the chip data says how to read it. */
  readonly chipRevision?: number;
}

export interface FlashResult {
  readonly chip: string;
  /** The first part's address and MD5; imageBytes counts every part. */
  readonly address: number;
  readonly imageBytes: number;
  readonly md5: string;
  readonly parts: readonly { readonly address: number; readonly length: number; readonly md5: string }[];
  /** true only when the chip's MD5 of every written or skipped span matched the file. */
  readonly verified: boolean;
  readonly written: readonly Range[];
  readonly writtenBytes: number;
  readonly skippedBytes: number;
  readonly erasedChip: boolean;
  readonly backupBytes: number;
  readonly retries: number;
  /** Host->chip bytes after SLIP framing during the write phase. */
  readonly wireBytes: number;
  readonly compressedBytes: number;
  readonly stub: boolean;
  readonly baud: number;
  /**
   * Wall time and wire traffic of every phase of the session so far (connect, detect, stub, baud,
   * compare, write, verify), host->chip and chip->host, each byte at the baud it crossed at.
   */
  readonly phases: readonly PhaseStat[];
}

export interface VerifyResult {
  readonly address: number;
  readonly length: number;
  readonly match: boolean;
  readonly fileMd5: string;
  readonly flashMd5: string;
  /** 64 KiB chunks that differ (only computed on a mismatch). */
  readonly differing: readonly Range[];
}

/**
 * Data blocks sent ahead of the stub's acknowledgements. The stub has two receive buffers and acks a
 * block when its main loop starts inflating it out of one of them (stub_flasher.c cmd_loop,
 * stub_write_flash.c handle_flash_deflated_data); the next block fills the other. A second block in
 * flight lands in the buffer still being inflated whenever a block takes longer to write than the next
 * takes to arrive, which at 2 Mbaud is every block. esptool sends one at a time, and so do we.
 */
export const STUB_BLOCKS_IN_FLIGHT = 1;

/** A READ_REG is answered within milliseconds; this only has to outlast line and USB latency. */
const ROM_PROBE_TIMEOUT_MS = 300;
/** Uploads of the stub before falling back to the ROM loader. */
const STUB_UPLOAD_ATTEMPTS = 3;

/** Retries in a row that make no progress before giving up. */
const DEFAULT_WRITE_RETRIES = 12;
const RECOVER_DRAIN_MS = 500;
const RECOVER_QUIET_MS = 25;
/** The RTC watchdog fires ~13 ms (2000 slow-clock ticks) after it is armed; a loader that stays answers within this. */
const RESET_SETTLE_MS = 200;
const RESET_REPLY_TIMEOUT_MS = 1000;
/** READ_FLASH in pieces, each checked against the chip's MD5 and read again on its own. */
const READ_CHUNK = 0x40000;
const READ_TRIES = 4;
/** Attempts at the step to a lower rate while the link still answers at the bad one. */
const STEP_DOWN_TRIES = 3;

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
  const session = new FlasherSession(transport, conn.link, detection, conn.stubRunning, opts, reporter, meter);
  reporter.info(`Chip is ${detection.chip.name}${detection.secureDownload ? ' (Secure Download Mode)' : ''}`);
  if (detection.secureDownload) reporter.warn(secureDownloadNotice(detection.chip));
  await session.attachFlash();
  return session;
}

export class FlasherSession {
  private stubActive: boolean;
  private baudSettled = false;
  /** The rate the last change settled on. */
  private agreedBaud: number | undefined;
  /** What the first change of the job asked for (agreedBaud below it means the link stepped down). */
  private askedBaud: number | undefined;
  private autoReported = false;
  private readonly partMd5s = new WeakMap<Uint8Array, string>();
  private closed = false;
  private flashId: FlashId | undefined;
  private readonly deflate: Deflate;
  /** Data-block ack timeouts, shared by every write of the session (they adapt to a slow flash). */
  private readonly timeouts = new BlockTimeouts();
  /** Host->chip wire bytes for the whole session (SLIP framed). */
  get wireBytesOut(): number {
    return this.link.bytesWritten;
  }

  constructor(
    readonly transport: Transport,
    readonly link: LoaderLink,
    readonly detection: Detection,
    stubAlreadyRunning: boolean,
    private readonly opts: SessionOptions,
    private readonly reporter: Reporter,
    private readonly meter?: PhaseMeter,
  ) {
    this.stubActive = stubAlreadyRunning;
    this.deflate = opts.deflate ?? compressionStreamDeflate;
  }

  get chip(): ChipSpec {
    return this.detection.chip;
  }

  /** Per-phase wall time and wire traffic since connect() began (empty for a session built by hand). */
  phaseStats(): PhaseStat[] {
    return this.meter?.snapshot() ?? [];
  }

  get usingStub(): boolean {
    return this.stubActive;
  }

  get flashSizeBytes(): number | undefined {
    return this.flashId?.sizeBytes;
  }

  get target(): TargetInfo {
    return { chip: this.chip, flashSizeBytes: this.flashSizeBytes, secureDownload: this.detection.secureDownload, security: this.detection.security };
  }

  /** SPI attach and flash id (RDID through the SPI registers), then tell the loader the flash size. */
  async attachFlash(): Promise<void> {
    const d = this.link.dialect!;
    if (!this.stubActive) {
      if (d.spiAttachWords === 0) await commandWithRetry(this.link, commands.flashBegin(d, 0, 0, d.flashBlockSize, 0));
      else await commandWithRetry(this.link, commands.spiAttach(d));
    }
    if (this.detection.secureDownload) return;
    this.flashId = await readFlashId(this.link, this.chip);
    await this.setFlashParams();
  }

  private async setFlashParams(): Promise<void> {
    const size = this.flashId?.sizeBytes;
    if (size === undefined) return;
    try {
      await commandWithRetry(this.link, commands.spiSetParams(size));
    } catch (e) {
      if (!isUpyflashError(e, 'UNSUPPORTED_COMMAND')) throw e;
    }
  }

  /** esptool's chip_id + flash_id in one: description, MAC, crystal, revision, flash id and size. */
  async detect(): Promise<ChipDetails> {
    const chip = this.chip;
    let facts: Awaited<ReturnType<typeof readChipFacts>> | undefined;
    if (!this.detection.secureDownload) facts = await readChipFacts(this.link, chip, this.transport.baud);
    const rev = facts?.revision;
    const identity = await readChipIdentity(this.link, chip, { secureDownload: this.detection.secureDownload });
    return {
      chip: chip.name,
      description: identity?.description ?? (rev ? `${chip.name} (revision v${rev.major}.${rev.minor})` : chip.name),
      ...(identity ? { identity } : {}),
      revision: rev,
      mac: facts?.mac,
      crystalMHz: facts?.crystalMHz,
      flashId: this.flashId,
      flashSizeBytes: this.flashId?.sizeBytes,
      secureDownload: this.detection.secureDownload,
      security: this.detection.security,
    };
  }

  private async chipRevisionIfKnown(): Promise<{ chipRevision?: number }> {
    if (!this.chip.revision || this.detection.secureDownload) return {};
    const facts = await readChipFacts(this.link, this.chip, this.transport.baud);
    return facts.revision ? { chipRevision: facts.revision.major * 100 + facts.revision.minor } : {};
  }

  /**
   * Uploads the stub once, if allowed. A stub that will not start at the fast rate is uploaded again at
   * the sync rate; only when that fails too does the ROM loader carry on (with a warning).
   */
  async ensureStub(): Promise<void> {
    if (this.stubActive || this.opts.stub === false || !this.opts.stubProvider) return;
    if (this.detection.secureDownload) {
      // Said once at connect (E013); here only for --verbose.
      this.reporter.debug('Secure Download Mode: the flasher stub cannot run; using the ROM loader.');
      return;
    }
    // Where the ROM can change the rate and the stub keeps the UART as the ROM left it, moving first
    // sends the ~7 KB stub at the fast rate. Where the stub re-programs the UART for the rate the ROM
    // recorded at boot (chip.stubRestoresRomBaud), a ROM-first change would be undone as the stub
    // starts: there the stub goes up at the sync rate and changes the rate itself (ensureBaud later).
    // Where the stub restores the recorded rate, uploading fast and changing the rate a second time
    // through the stub still saves ~0.5 s at 921600 and up (stub-fast.ts).
    const canChange = Boolean(this.link.dialect?.supportsChangeBaud) && this.transport.capabilities.baudRate;
    let restoresAfter = canChange && this.chip.stubRestoresRomBaud && this.transport.baud === SYNC_BAUD;
    let romFirst = Boolean(this.link.dialect?.supportsChangeBaud) && (!this.chip.stubRestoresRomBaud || restoresAfter);
    if (romFirst) await this.ensureBaud();
    if (this.transport.baud === SYNC_BAUD) restoresAfter = false;
    this.reporter.phase('stub', 'Uploading flasher stub...');
    const image = await this.opts.stubProvider(this.chip);
    for (let attempt = 1; ; attempt++) {
      try {
        await runStub(this.link, this.chip, image, this.reporter, restoresAfter ? startedAtRomRate(SYNC_BAUD) : undefined);
        // The rate is agreed again through the stub: it may have gone back to the recorded rate, and a
        // stub that raises the UART clock runs rates the ROM could not.
        this.baudSettled = false;
        this.stubActive = true;
        this.reporter.info('Stub running');
        await this.setFlashParams();
        return;
      } catch (e) {
        if (!isUpyflashError(e, 'STUB_FAILED')) throw e;
        // One garbled MEM_DATA on a noisy line is no reason to flash at ROM speed: upload it again
        // from MEM_BEGIN (the ROM takes a new upload at any time).
        if (attempt < STUB_UPLOAD_ATTEMPTS && isRetryable(e.cause)) {
          this.reporter.debug(`stub upload attempt ${attempt} failed (${e.message}); uploading again`);
          await this.recover();
          // A garbled MEM_END can send the ROM off to a wrong entry point: then only a reset brings it back.
          if (!(await this.romAnswers())) await this.reconnectRom();
          if (romFirst) await this.ensureBaud();
          continue;
        }
        if (this.transport.baud !== SYNC_BAUD) {
          // The fast rate may be what kept it from starting: one more round at the sync rate, after a
          // reset (the chip may be anywhere); the stub changes the rate itself once it runs.
          this.reporter.warn(`${e.message} at ${this.transport.baud} baud; uploading it again at ${SYNC_BAUD} baud.`);
          await this.transport.setBaud(SYNC_BAUD);
          await this.reconnectRom();
          romFirst = false;
          restoresAfter = false;
          attempt = 0;
          continue;
        }
        this.reporter.warn(`${e.message}; continuing with the ROM loader (slower).`);
        await this.resyncRom();
        return;
      }
    }
  }

  /** After a failed stub start the chip may have jumped into garbage: reconnect to the ROM. */
  private async resyncRom(): Promise<void> {
    this.link.dialect = this.chip.rom;
    await this.link.drain(RECOVER_DRAIN_MS);
    this.link.reset();
    if (!(await this.romAnswers())) await this.reconnectRom();
  }

  /** Is the ROM loader still there at the current rate? (A short READ_REG, tried twice.) */
  private async romAnswers(): Promise<boolean> {
    this.link.dialect = this.chip.rom;
    try {
      await commandWithRetry(this.link, { ...commands.readReg(ROM_MAGIC_REG), timeoutMs: ROM_PROBE_TIMEOUT_MS }, 2);
      return true;
    } catch (e) {
      if (!isRetryable(e)) throw e;
      return false;
    }
  }

  /** Resets the chip into the ROM loader again and attaches the flash, as connect() did. */
  private async reconnectRom(): Promise<void> {
    // A reset brings the ROM back at the sync rate, whatever rate was agreed before.
    if (this.transport.baud !== SYNC_BAUD && this.transport.capabilities.baudRate) await this.transport.setBaud(SYNC_BAUD);
    this.baudSettled = false;
    await connectLoader(this.transport, { ...(this.opts.before ? { before: this.opts.before } : {}) }, this.reporter, this.link);
    this.link.dialect = this.chip.rom;
    await this.attachFlash();
  }

  /**
   * Moves to the fast rate (921600 by default, --baud, or what --baud auto picked), capped at what the
   * chip's UART can run with the loader that is running (chips/uart.ts): before the stub that is the
   * ROM's ceiling, and a stub that raises the UART clock is asked for the rest once it runs. Every change
   * proves itself with a round trip before it is relied on, and a rate that does not hold is undone
   * (baud.ts).
   */
  async ensureBaud(): Promise<void> {
    if (this.baudSettled) return;
    this.baudSettled = true;
    const exact = this.opts.baud !== undefined;
    // A raw socket cannot tell the bridge a new rate: keep the sync rate unless --baud asks, which
    // emulators (Espressif's QEMU) and bridges that follow the chip's rate need; esptool changes there too.
    if (!this.transport.capabilities.baudRate && !exact) return;
    const auto = exact ? undefined : this.opts.autoBaud;
    if (auto?.candidates === 'native') {
      if (!this.autoReported) {
        this.reporter.info(`--baud auto: ${auto.bridgeName} has no UART, so the baud rate does not matter; staying at ${this.transport.baud}.`);
      }
      this.autoReported = true;
      return;
    }
    const autoFirst = auto ? firstAutoRate(auto) : undefined;
    const wanted = this.opts.baud ?? autoFirst ?? DEFAULT_FAST_BAUD;
    const ceiling = uartMaxBaud(this.chip, this.stubActive);
    const { target, steppedDown } = chooseTarget(wanted, ceiling, this.agreedBaud, this.askedBaud);
    // The last change of the job: the stub runs, or none will come that goes back to the sync rate.
    const final = this.stubActive || !this.stubPlanned || !this.chip.stubRestoresRomBaud;
    if (exact && final && target < wanted && !steppedDown) {
      this.reporter.warn(`${wanted} baud is beyond the ${this.chip.name}'s UART in download mode (at most ${ceiling}); using ${target} baud.`);
    }
    if (target !== this.transport.baud) {
      if (!this.transport.capabilities.baudRate) {
        this.reporter.info(`${this.transport.name} cannot tell the far end a new rate; changing the chip to ${target} baud as --baud asks.`);
      }
      this.reporter.phase('baud', `Changing baud rate to ${target}...`);
      if (!steppedDown) this.askedBaud = target;
      this.agreedBaud = await changeBaud(this.link, target, this.baudOptions(exact && target === wanted), this.reporter);
    }
    if (auto && final && !this.autoReported) {
      this.autoReported = true;
      const outcome = { rate: this.agreedBaud ?? this.transport.baud, target: fitUnder(autoFirst ?? wanted, ceiling), first: autoFirst, chipName: this.chip.name };
      const { line, remember } = autoBaudReport(auto, outcome);
      this.reporter.info(line);
      if (remember) await auto.memory?.remember(auto.bridgeKey, outcome.rate);
    }
  }

  /** The stub will still be uploaded in this session (so a later baud change can follow it). */
  private get stubPlanned(): boolean {
    return !this.stubActive && this.opts.stub !== false && Boolean(this.opts.stubProvider) && !this.detection.secureDownload;
  }

  private baudOptions(exact: boolean): BaudOptions {
    return {
      chip: this.chip,
      stub: this.stubActive,
      exact,
      secureDownload: this.detection.secureDownload,
      restart: () => this.restartLoader(),
    };
  }

  /** Neither rate answers any more: reset into the ROM at the sync rate, and bring the stub back if it ran. */
  private async restartLoader(): Promise<boolean> {
    const hadStub = this.stubActive;
    this.stubActive = false;
    await this.transport.setBaud(SYNC_BAUD);
    await this.reconnectRom();
    this.baudSettled = true;
    if (!hadStub || !this.opts.stubProvider) return false;
    try {
      await runStub(this.link, this.chip, await this.opts.stubProvider(this.chip), this.reporter);
      this.stubActive = true;
      await this.setFlashParams();
    } catch (e) {
      if (!isUpyflashError(e, 'STUB_FAILED')) throw e;
      this.reporter.warn(`${e.message}; continuing with the ROM loader (slower).`);
      await this.resyncRom();
    }
    return this.stubActive;
  }

  /**
   * The line kept corrupting frames mid-job at this rate: step down to the next lower rate through the
   * same proven change as ensureBaud (baud.ts), saying so in one line. Never below the sync rate. A
   * rate the user chose with --baud is kept, as esptool keeps -b: one warning, and after a second run
   * of failures without progress, E014 (lower --baud) rather than hours of retries.
   */
  async slowDown(why: string, streak: number): Promise<number | undefined> {
    const from = this.transport.baud;
    const next = FALLBACK_BAUDS.find((b) => b < from && b >= SYNC_BAUD);
    if (next === undefined || !this.link.dialect?.supportsChangeBaud || !this.transport.capabilities.baudRate) return undefined;
    if (this.opts.baud !== undefined) {
      if (streak >= 2) {
        throw new UpyflashError('BAUD_FAILED', `${from} baud kept corrupting frames mid-job (${why}); --baud ${from} was kept as asked`, {
          details: { baud: from },
        });
      }
      this.reporter.warn(`${from} baud is corrupting frames (${why}); keeping it because --baud asks for it.`);
      return undefined;
    }
    // baud.ts's own warnings would describe each attempt; here one line says what happened.
    const quiet = new Reporter({ emit: (e) => (e.type === 'log' ? this.reporter.debug(e.message) : undefined) });
    let now = from;
    try {
      // A change whose proof failed is undone back to `from`: try it again (its frames can be garbled too).
      for (let i = 0; i < STEP_DOWN_TRIES && now > next; i++) now = await changeBaud(this.link, next, this.baudOptions(false), quiet);
    } catch (e) {
      // The ROM's rate correction reads registers at the bad rate and can fail: start over from a reset.
      if (!isRetryable(e)) throw e;
      this.reporter.debug(`step down to ${next} baud failed (${(e as Error).message}); resetting the chip`);
      await this.recover();
      await this.restartLoader();
      now = this.transport.baud;
    }
    // Only a reset brought the chip back (at the sync rate): go up to `next` again from there.
    if (now < next) now = await changeBaud(this.link, next, this.baudOptions(false), quiet);
    this.reporter.warn(`${from} baud kept failing mid-job (${why}); continuing at ${now} baud.`);
    // A stub that restarts later goes back to this rate, not the one that failed.
    this.agreedBaud = now;
    return now;
  }

  private get canVerify(): boolean {
    return Boolean(this.link.dialect?.supportsMd5) && !this.detection.secureDownload;
  }

  /** Chip, flash size and (where the chip data says how to read it) revision: what a firmware is checked against. */
  async describeTarget(): Promise<TargetInfo> {
    return { ...this.target, ...(await this.chipRevisionIfKnown()) };
  }

  async flash(plan: FlashPlan): Promise<FlashResult> {
    // 1. Validate first: a refused image leaves the flash exactly as it was.
    const parts = await this.partsOf(plan);
    const compressed = plan.compressed ?? new CompressedRegions();
    // Most jobs write every part's 64 KiB-aligned body (the app): compress it now, off the main
    // thread, while the chip is compared and the stub goes up. An unchanged image wastes ~0.1 s of a core.
    for (const p of parts) {
      const body = alignedBody(partRange(p));
      if (body) void compressed.deflate(sliceOf(parts, body), this.deflate).catch(() => undefined);
    }
    const backupBytes = plan.backup ? await this.backupWholeFlash(plan.backup) : 0;
    if (plan.eraseAll) await this.erase();
    // 2. What differs? Cheapest loader that can tell: the ROM's MD5 where it has one.
    const todo = splitAtBodies(!plan.eraseAll && plan.skipUnchanged !== false ? await this.changedParts(parts) : parts.map(partRange), parts);
    // Compress what is to be written while the stub goes up and the rate changes (off the main thread).
    for (const r of todo) void compressed.deflate(sliceOf(parts, r), this.deflate).catch(() => undefined);
    // 3. Write what differs, verify every written region, retry cleanly.
    const w = todo.length ? await this.writeChanged(parts, todo, compressed) : { written: [], wireBytes: 0, compressedBytes: 0, retries: 0 };
    // 4. Every byte of the image was either found equal by MD5 in the compare or verified by MD5 right
    //    after it was written (a mismatch throws), so no extra pass over the whole image is needed.
    this.reportVerified(parts);
    const md5s = parts.map((p) => this.partMd5(p));
    const imageBytes = sumRanges(parts.map(partRange));
    return {
      chip: this.chip.name,
      address: parts[0]!.address,
      imageBytes,
      md5: md5s[0]!,
      parts: parts.map((p, i) => ({ address: p.address, length: p.bytes.length, md5: md5s[i]! })),
      verified: this.canVerify,
      written: w.written,
      writtenBytes: sumRanges(w.written),
      skippedBytes: imageBytes - sumRanges(w.written),
      erasedChip: Boolean(plan.eraseAll),
      backupBytes,
      retries: w.retries,
      wireBytes: w.wireBytes,
      compressedBytes: w.compressedBytes,
      stub: this.stubActive,
      baud: this.transport.baud,
      phases: this.phaseStats(),
    };
  }

  /** A part's MD5 on the host, computed once per job (the job never changes a part's bytes). */
  private partMd5(p: FlashPart): string {
    let hex = this.partMd5s.get(p.bytes);
    if (hex === undefined) this.partMd5s.set(p.bytes, (hex = fileMd5(p.bytes)));
    return hex;
  }

  private async partsOf(plan: FlashPlan): Promise<readonly FlashPart[]> {
    const parts = plan.parts ?? (plan.image && plan.address !== undefined ? [{ address: plan.address, bytes: plan.image }] : undefined);
    if (!parts) throw new UpyflashError('INTERNAL', 'flash() needs parts, or an image and an address');
    checkParts(parts);
    return parts;
  }

  private async backupWholeFlash(sink: (flash: Uint8Array) => Promise<void>): Promise<number> {
    const size = this.requireFlashSize('--backup');
    this.reporter.phase('backup', `Backing up ${formatSize(size)} of flash...`);
    const data = await this.readFlash(0, size, 'backup');
    await sink(data);
    return data.length;
  }

  /**
   * The 64 KiB regions of every part that differ from the flash; all of it when this loader cannot tell.
   * One MD5 per part through whatever loader is up says whether anything differs at all (an unchanged
   * image needs no stub and no rate change); only then are the stub and the fast rate brought up, so
   * the chunk-by-chunk comparison's round trips are short, and they are needed for the write anyway.
   */
  private async changedParts(parts: readonly FlashPart[]): Promise<Range[]> {
    if (!this.canVerify) await this.ensureStub();
    if (!this.canVerify) return parts.map(partRange);
    this.reporter.phase('compare', 'Comparing with the flash (64 KiB regions)...');
    const total = sumRanges(parts.map(partRange));
    const wholes: string[] = [];
    for (const p of parts) wholes.push(await this.md5WithRetry(partRange(p)));
    const todo: Range[] = [];
    if (parts.some((p, i) => wholes[i] !== this.partMd5(p))) {
      await this.ensureStub();
      await this.ensureBaud();
      // Back to comparing (for the phase meter) without a second "Comparing" line.
      this.reporter.progress('compare', 0, total);
      let base = 0;
      for (const [i, p] of parts.entries()) {
        const onChunk = (done: number) => this.reporter.progress('compare', base + done, total);
        const known = { wholeFlashMd5: wholes[i]!, wholeFileMd5: this.partMd5(p) };
        todo.push(...(await changedRanges(this.link, p.bytes, p.address, partRange(p), { onChunk, ...known })));
        base += p.bytes.length;
      }
    }
    const skipped = total - sumRanges(todo);
    const md5 = parts.map((p) => this.partMd5(p)).join(', ');
    if (todo.length === 0) this.reporter.info(`Flash already holds this image (MD5 ${md5}): nothing to write.`);
    else if (skipped > 0) this.reporter.info(`Skipping ${formatSize(skipped)} that already match; writing ${describeRanges(todo)}.`);
    return todo;
  }

  private async writeChanged(parts: readonly FlashPart[], todo: Range[], compressed: CompressedRegions): Promise<RetryWriteResult> {
    await this.ensureStub();
    await this.ensureBaud();
    const d = this.link.dialect!;
    return writeWithRetry(
      {
        link: this.link,
        reporter: this.reporter,
        deflate: compressed.using(this.deflate),
        timeouts: this.timeouts,
        canVerify: this.canVerify,
        sendEnd: this.stubActive,
        maxInFlight: this.stubActive ? (this.opts.maxInFlight ?? STUB_BLOCKS_IN_FLIGHT) : 1,
        blockSize: Math.min(d.flashBlockSize, this.opts.blockSize ?? d.flashBlockSize),
        retriesAllowed: this.opts.writeRetries ?? DEFAULT_WRITE_RETRIES,
        recover: () => this.recover(),
        slowDown: (why, streak) => this.slowDown(why, streak),
      },
      parts,
      todo,
    );
  }

  private reportVerified(parts: readonly FlashPart[]): void {
    if (!this.canVerify) {
      this.reporter.warn(
        `Written but NOT verified: the ${this.chip.name} ${this.detection.secureDownload ? 'Secure Download Mode' : 'ROM loader'} cannot compute checksums${this.opts.stub === false ? ' (run without --no-stub to verify)' : ''}.`,
      );
      return;
    }
    for (const p of parts) {
      this.reporter.phase('verify', `Verified: MD5 ${this.partMd5(p)} over ${formatSize(p.bytes.length)} at 0x${p.address.toString(16)}`);
    }
  }

  private async md5WithRetry(r: Range): Promise<string> {
    for (let i = 0; ; i++) {
      try {
        return await flashMd5(this.link, r);
      } catch (e) {
        if (!isRetryable(e) || i >= 2) throw e;
        await this.recover();
      }
    }
  }

  /** After a failed exchange: swallow late replies, forget partial frames. */
  private async recover(): Promise<void> {
    // Late replies to blocks still in flight are harmless (other opcode, skipped), so wait only until
    // the line is quiet rather than a fixed long time.
    const deadline = Date.now() + RECOVER_DRAIN_MS;
    for (;;) {
      const before = this.link.bytesRead;
      await this.link.drain(RECOVER_QUIET_MS);
      if (this.link.bytesRead === before || Date.now() > deadline) break;
    }
    this.link.reset();
  }

  /** Erases the whole chip: ERASE_FLASH through the stub, FLASH_BEGIN over all of it through a ROM. */
  async erase(): Promise<void> {
    await this.ensureStub();
    const size = this.requireFlashSize('erase');
    this.reporter.phase('erase', `Erasing ${formatSize(size)} of flash (this can take a while)...`);
    this.reporter.progress('erase', 0, size);
    await eraseChip(this.link, size);
    this.reporter.progress('erase', size, size);
    this.reporter.info('Chip erased');
  }

  /** Erases one sector-aligned region (esptool erase_region). */
  async eraseRegion(offset: number, size: number): Promise<void> {
    if (offset % FLASH_SECTOR !== 0 || size % FLASH_SECTOR !== 0 || size <= 0) {
      throw new UpyflashError('BAD_ARGUMENT', `erase-region needs a start and size that are multiples of 4096 (0x1000); got 0x${offset.toString(16)} and 0x${size.toString(16)}.`);
    }
    if (this.flashSizeBytes !== undefined && offset + size > this.flashSizeBytes) {
      throw new UpyflashError('BAD_ARGUMENT', `0x${offset.toString(16)} + 0x${size.toString(16)} is beyond the ${formatSize(this.flashSizeBytes)} flash.`);
    }
    await this.ensureStub();
    this.reporter.phase('erase', `Erasing ${formatSize(size)} at 0x${offset.toString(16)}...`);
    this.reporter.progress('erase', 0, size);
    await eraseRegion(this.link, offset, size);
    this.reporter.progress('erase', size, size);
  }

  async verify(plan: { image: Uint8Array; address: number }): Promise<VerifyResult> {
    if (!this.canVerify) await this.ensureStub();
    if (!this.canVerify) {
      throw new UpyflashError('UNSUPPORTED_COMMAND', `The ${this.chip.name} ROM loader cannot compute MD5 checksums`, {
        hint: 'Run without --no-stub: the flasher stub can verify.',
      });
    }
    const r: Range = { offset: plan.address, length: plan.image.length };
    this.reporter.phase('verify', `Verifying ${formatSize(r.length)} at 0x${r.offset.toString(16)}...`);
    const want = fileMd5(plan.image);
    const got = await this.md5WithRetry(r);
    const differing = got === want ? [] : await changedRanges(this.link, plan.image, plan.address, r);
    return { address: r.offset, length: r.length, match: got === want, fileMd5: want, flashMd5: got, differing };
  }

  /** READ_FLASH through the stub, in chunks that are each checked against the chip's MD5 and retried. */
  async readFlash(address: number, size: number, phase: 'read' | 'backup' = 'read'): Promise<Uint8Array> {
    await this.ensureStub();
    if (!this.link.dialect?.supportsStubCommands) {
      throw new UpyflashError('UNSUPPORTED_COMMAND', 'Reading flash needs the flasher stub', {
        hint: this.opts.stub === false ? 'Run without --no-stub.' : 'The stub did not start; try again or lower --baud.',
      });
    }
    await this.ensureBaud();
    if (phase === 'read') this.reporter.phase('read', `Reading ${formatSize(size)} at 0x${address.toString(16)}...`);
    const out = new Uint8Array(size);
    const streak = new LineFaultStreak(LINE_FAULTS_BEFORE_SLOWDOWN);
    let streaks = 0;
    for (let at = 0; at < size; at += READ_CHUNK) {
      const len = Math.min(READ_CHUNK, size - at);
      for (let attempt = 0; ; attempt++) {
        try {
          out.set(await readFlashRange(this.link, address + at, len, (done) => this.reporter.progress(phase, at + done, size)), at);
          streak.succeeded();
          streaks = 0;
          break;
        } catch (e) {
          if (!isRetryable(e) || attempt >= READ_TRIES - 1) throw e;
          this.reporter.debug(`read at 0x${(address + at).toString(16)}+${len} failed at ${this.transport.baud} baud (${(e as Error).message}); retrying`);
          await this.recover();
          // The same slow-down as the write loop: a chunk read again at a rate that garbles it fails again.
          if (streak.failed(e)) {
            const why = streak.why;
            streak.clear();
            if ((await this.slowDown(why, ++streaks)) !== undefined) attempt = -1;
          }
        }
      }
    }
    return out;
  }

  /**
   * Restarts the chip into its firmware. With reset lines: the RTS pulse. Without (socket://), as esptool
   * v5 does: the RTC watchdog where the chip data has its registers; else FLASH_END(reboot), which the
   * ROM loader and the legacy stub honour but esp-flasher-stub does not (command_handler.c: a TODO). A
   * chip that still answers its loader afterwards was not reset: the user is told to press EN.
   */
  async hardReset(): Promise<void> {
    if (this.transport.capabilities.controlLines) {
      this.reporter.phase('reset', 'Hard resetting via RTS pin...');
      await pulseReset(this.transport);
      return;
    }
    const watchdog = this.detection.secureDownload ? undefined : this.chip.watchdogReset;
    if (watchdog) {
      this.reporter.phase('reset', `Hard resetting with the RTC watchdog (${this.transport.name} has no reset lines)...`);
      await this.leavingCommands(watchdog.map((w) => commands.writeReg(w.addr, w.value, w.mask ?? 0xffffffff)));
    } else {
      this.reporter.phase('reset', `Restarting through the loader (${this.transport.name} has no reset lines)...`);
      const d = this.link.dialect!;
      await this.leavingCommands([commands.flashBegin(d, 0, 0, d.flashBlockSize, 0), commands.flashEnd(true)]);
    }
    await this.link.drain(RESET_SETTLE_MS);
    this.link.reset();
    if (await this.loaderStillAnswers()) {
      this.reporter.warn(
        `${this.transport.name} cannot reset the ${this.chip.name}${watchdog ? '' : ' (it has no watchdog reset)'}: press EN (RST) on the board now to start the firmware.`,
      );
    } else {
      this.reporter.info(`The ${this.chip.name} left download mode.`);
    }
  }

  /** Commands the chip may reset in the middle of: a missing answer is expected, not an error. */
  private async leavingCommands(list: readonly Command[]): Promise<void> {
    for (const c of list) {
      try {
        await this.link.command({ ...c, timeoutMs: Math.min(c.timeoutMs, RESET_REPLY_TIMEOUT_MS) });
      } catch (e) {
        if (!isRetryable(e)) throw e;
        return;
      }
    }
  }

  /** A READ_REG with a known answer: only a loader gives it (a booting firmware prints its log instead). */
  private async loaderStillAnswers(): Promise<boolean> {
    try {
      const reply = await commandWithRetry(this.link, { ...commands.readReg(ROM_MAGIC_REG), timeoutMs: ROM_PROBE_TIMEOUT_MS }, 2);
      return this.chip.magicValues.includes(reply.value >>> 0);
    } catch (e) {
      // A refusal is an answer too (Secure Download Mode refuses READ_REG): the loader is still there.
      if (isUpyflashError(e, 'ROM_ERROR') || isUpyflashError(e, 'UNSUPPORTED_COMMAND')) return true;
      if (!isRetryable(e)) throw e;
      return false;
    }
  }

  /** Runs the --after action and closes the transport. */
  async close(after: AfterMode = this.opts.after ?? 'hard-reset'): Promise<void> {
    // The flash job closes the session itself before it reopens the port for the boot check.
    if (this.closed) return;
    this.closed = true;
    try {
      if (after === 'hard-reset') await this.hardReset();
    } finally {
      await this.transport.close();
    }
  }

  private requireFlashSize(what: string): number {
    const size = this.flashSizeBytes;
    if (size === undefined) {
      throw new UpyflashError('PROTOCOL_ERROR', `The flash size could not be detected, which ${what} needs`, {
        hint: 'The flash chip did not report a known JEDEC id; check the board.',
      });
    }
    return size;
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
