/**
 * The page's job sequence, DOM-free and browser-safe: connect and detect, then validate, flash, verify,
 * reset and wait for the MicroPython banner. The flash itself is the one flash job `upyflash flash` runs,
 * so the page and the CLI refuse the same files, write the same bytes and report the same events.
 * Kept out of page/ so it is tested in Node against the virtual board.
 */
import type { ChipFacts } from '../firmware/build-choice.js';
import type { ChipSpec } from '../chips/types.js';
import type { Reporter } from '../progress.js';
import type { Transport } from '../transport/transport.js';
import type { Deflate } from '../platform/deflate.js';
import { connect, type FlasherSession, type FlashResult } from '../flasher/session.js';
import type { ChipDetails } from '../flasher/detect.js';
import type { StubProvider } from '../flasher/stub.js';
import type { AutoBaud } from '../flasher/auto-baud.js';
import type { BeforeMode } from '../flasher/reset.js';
import { runFlashJob } from '../flasher/flash-job.js';
import { UpyflashError } from '../errors.js';
import type { FirmwareFile } from '../image/firmware-file.js';
import type { BootInfo } from '../repl/boot-check.js';

export interface BoardFacts {
  readonly chip: ChipSpec;
  /** esptool-style, e.g. "ESP32 (revision v1.0)". */
  readonly description: string;
  readonly mac: string | undefined;
  readonly flashSizeBytes: number | undefined;
  /** major*100+minor, as esptool counts revisions; undefined when the chip did not say. */
  readonly revision: number | undefined;
  readonly port: string;
  /** Model, revision and PSRAM in the package, from the eFuses (what the firmware choice follows). */
  readonly identity: ChipFacts | undefined;
}

export interface ConnectedBoard {
  readonly session: FlasherSession;
  readonly facts: BoardFacts;
}

export interface FlowOptions {
  /** Where the flasher stub comes from (the page bundles esptool-js's); without it the ROM loader is used. */
  readonly stubProvider?: StubProvider;
  readonly deflate?: Deflate;
  /** Exact baud; undefined = `autoBaud`, as the CLI's --baud auto (921600 without it), with automatic fallback. */
  readonly baud?: number;
  /** The rates the port's USB bridge is trusted with (flasher/auto-baud.ts), from Web Serial's USB ids. */
  readonly autoBaud?: AutoBaud;
  /** How to reach download mode (esptool's --before); default-reset unless the port says otherwise. */
  readonly before?: BeforeMode;
}

/** Resets the board into its ROM loader, identifies the chip and reads MAC and flash size. */
export async function connectBoard(transport: Transport, opts: FlowOptions, reporter: Reporter): Promise<ConnectedBoard> {
  const session = await connect(
    transport,
    {
      ...(opts.stubProvider ? { stubProvider: opts.stubProvider } : {}),
      ...(opts.deflate ? { deflate: opts.deflate } : {}),
      ...(opts.baud !== undefined ? { baud: opts.baud } : {}),
      ...(opts.autoBaud ? { autoBaud: opts.autoBaud } : {}),
      ...(opts.before ? { before: opts.before } : {}),
    },
    reporter,
  );
  const details = await session.detect();
  return { session, facts: factsFrom(session.chip, details, transport.name) };
}

export interface FlashRequest {
  readonly firmware: FirmwareFile;
  /** Erase the whole flash first (removes the board's files). */
  readonly eraseAll: boolean;
}

export interface FlashOutcome {
  readonly result: FlashResult;
  readonly boot: BootInfo;
}

/**
 * The flash job (flasher/flash-job.ts), exactly as the CLI runs it with its default options: validated
 * and flash parameters patched BEFORE anything is erased, only what differs written, every region
 * verified by MD5, then a reset and the wait for the MicroPython banner on the same port.
 */
export async function flashAndBoot(board: ConnectedBoard, req: FlashRequest, reporter: Reporter): Promise<FlashOutcome> {
  const job = await runFlashJob(board.session, { firmware: { file: req.firmware }, eraseAll: req.eraseAll }, reporter);
  if (!job.boot) throw new UpyflashError('INTERNAL', 'The flash job ended without its boot check');
  return { result: job.flash, boot: job.boot };
}

function factsFrom(chip: ChipSpec, details: ChipDetails, port: string): BoardFacts {
  return {
    chip,
    description: details.description,
    mac: details.mac,
    flashSizeBytes: details.flashSizeBytes,
    revision: details.revision ? details.revision.major * 100 + details.revision.minor : undefined,
    port,
    identity: details.identity ? { model: details.identity.model, revision: details.identity.revision, embeddedPsram: details.identity.embeddedPsram } : undefined,
  };
}
