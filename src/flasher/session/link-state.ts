import type { ChipSpec } from '../../chips/index.js';
import { UpyflashError } from '../../errors.js';
import type { Reporter } from '../../progress.js';
import { type Deflate, compressionStreamDeflate } from '../../platform/deflate.js';
import type { LoaderLink } from '../../protocol/loader-link.js';
import type { Transport } from '../../transport/transport.js';
import { BlockTimeouts } from '../block-timeouts.js';
import type { Detection } from '../detect.js';
import type { PhaseMeter, PhaseStat } from '../phase-meter.js';
import type { FlashId } from '../spi-flash.js';
import type { SessionOptions } from './types.js';

/** The rate the link runs at, as the last change left it. */
export interface RateState {
  /** ensureBaud has done its work for the loader now running (a new loader agrees the rate again). */
  settled: boolean;
  /** The rate the last change settled on. */
  agreed: number | undefined;
  /** What the first change of the job asked for (agreed below it means the link stepped down). */
  asked: number | undefined;
  /** --baud auto has said its one line (and remembered the rate). */
  autoReported: boolean;
}

/** Whether this link can put the chip back into its ROM loader by itself. */
export interface ResetAbility {
  /** The transport carries DTR/RTS to the board. */
  readonly controlLines: boolean;
  /**
   * A DTR/RTS reset on this transport brought the ROM loader up in this session (connect or a later
   * reconnect synced with the ROM right after a reset strategy), so a reset is known to work here.
   */
  proven: boolean;
}

/** What the link is now: the one thing every session operation reads, and the ones that change the link keep true. */
export interface LinkState {
  readonly transport: Transport;
  readonly link: LoaderLink;
  readonly detection: Detection;
  readonly chip: ChipSpec;
  /** Which loader answers: the chip's ROM, or the flasher stub uploaded into its RAM. */
  loader: 'rom' | 'stub';
  readonly rate: RateState;
  /** The SPI flash the loader is attached to; undefined when not read (Secure Download Mode) or unknown. */
  flashId: FlashId | undefined;
  readonly reset: ResetAbility;
}

/** The link state plus what every operation works with: the options, the reporter and the session's caches. */
export interface Session extends LinkState {
  readonly opts: SessionOptions;
  readonly reporter: Reporter;
  readonly deflate: Deflate;
  /** Data-block ack timeouts, shared by every write of the session (they adapt to a slow flash). */
  readonly timeouts: BlockTimeouts;
  /** Host-side MD5 of each part's bytes, computed once per job (the job never changes a part's bytes). */
  readonly partMd5s: WeakMap<Uint8Array, string>;
  readonly meter: PhaseMeter | undefined;
}

export interface SessionStart {
  readonly transport: Transport;
  readonly link: LoaderLink;
  readonly detection: Detection;
  readonly stubRunning: boolean;
  readonly resetProven: boolean;
  readonly opts: SessionOptions;
  readonly reporter: Reporter;
  readonly meter?: PhaseMeter | undefined;
}

export function newSession(start: SessionStart): Session {
  return {
    transport: start.transport,
    link: start.link,
    detection: start.detection,
    chip: start.detection.chip,
    loader: start.stubRunning ? 'stub' : 'rom',
    rate: { settled: false, agreed: undefined, asked: undefined, autoReported: false },
    flashId: undefined,
    reset: { controlLines: start.transport.capabilities.controlLines, proven: start.resetProven },
    opts: start.opts,
    reporter: start.reporter,
    deflate: start.opts.deflate ?? compressionStreamDeflate,
    timeouts: new BlockTimeouts(),
    partMd5s: new WeakMap(),
    meter: start.meter,
  };
}

/**
 * A reset is known to bring the ROM loader back at the sync rate on this link: only then may a step
 * that a reset alone can undo (a rate change through the ROM) be taken before the stub runs.
 */
export function resetUndoes(s: LinkState): boolean {
  return s.reset.controlLines && s.reset.proven;
}

/** The loader now running can compute the flash's MD5 (and Secure Download Mode does not forbid it). */
export function canVerify(s: LinkState): boolean {
  return Boolean(s.link.dialect?.supportsMd5) && !s.detection.secureDownload;
}

/** The stub will still be uploaded in this session (so a later baud change can follow it). */
export function stubPlanned(s: Session): boolean {
  return s.loader === 'rom' && s.opts.stub !== false && Boolean(s.opts.stubProvider) && !s.detection.secureDownload;
}

/** Per-phase wall time and wire traffic since connect() began (empty for a session built by hand). */
export function phaseStats(s: Session): PhaseStat[] {
  return s.meter?.snapshot() ?? [];
}

export function requireFlashSize(s: LinkState, what: string): number {
  const size = s.flashId?.sizeBytes;
  if (size === undefined) {
    throw new UpyflashError('PROTOCOL_ERROR', `The flash size could not be detected, which ${what} needs`, {
      hint: 'The flash chip did not report a known JEDEC id; check the board.',
    });
  }
  return size;
}
