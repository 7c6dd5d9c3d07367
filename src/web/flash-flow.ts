/**
 * The page's job sequence, DOM-free and browser-safe: connect and detect, then validate, flash, verify,
 * reset and wait for the MicroPython banner. It composes the same library calls as `upyflash flash`,
 * so the page and the CLI refuse the same files and report the same progress events and errors.
 * Kept out of page/ so it is tested in Node against the virtual board.
 */
import type { ChipSpec } from '../chips/types.js';
import type { Reporter } from '../progress.js';
import type { Transport } from '../transport/transport.js';
import type { Deflate } from '../platform/deflate.js';
import { connect, type FlasherSession, type FlashResult } from '../flasher/session.js';
import type { ChipDetails } from '../flasher/detect.js';
import type { StubProvider } from '../flasher/stub.js';
import type { BeforeMode } from '../flasher/reset.js';
import { validateFirmware } from '../image/validate.js';
import type { FirmwareFile } from '../image/firmware-file.js';
import { bootCheck, type BootInfo } from '../repl/boot-check.js';

export interface BoardFacts {
  readonly chip: ChipSpec;
  /** esptool-style, e.g. "ESP32 (revision v1.0)". */
  readonly description: string;
  readonly mac: string | undefined;
  readonly flashSizeBytes: number | undefined;
  /** major*100+minor, as esptool counts revisions; undefined when the chip did not say. */
  readonly revision: number | undefined;
  readonly port: string;
}

export interface ConnectedBoard {
  readonly session: FlasherSession;
  readonly facts: BoardFacts;
}

export interface FlowOptions {
  /** Where the flasher stub comes from (the page bundles esptool-js's); without it the ROM loader is used. */
  readonly stubProvider?: StubProvider;
  readonly deflate?: Deflate;
  /** Exact baud; undefined = the CLI's default (921600 with automatic fallback). */
  readonly baud?: number;
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
 * Validates the image against the detected chip and flash BEFORE anything is erased, writes it (skipping
 * what already matches, verifying every region by MD5), resets the board and waits for its banner.
 */
export async function flashAndBoot(board: ConnectedBoard, req: FlashRequest, reporter: Reporter): Promise<FlashOutcome> {
  const { session, facts } = board;
  const chipRevision = facts.revision;
  const result = await session.flash({
    eraseAll: req.eraseAll,
    prepare: (target) => {
      const { address, warnings, firmware } = validateFirmware(req.firmware, {
        chip: target.chip,
        ...(target.flashSizeBytes !== undefined ? { flashBytes: target.flashSizeBytes } : {}),
        ...(chipRevision !== undefined ? { chipRevision } : {}),
      });
      for (const w of warnings) reporter.warn(w);
      return { bytes: firmware.bytes, address };
    },
  });
  await session.hardReset();
  const boot = await bootCheck(session.transport, {}, reporter);
  return { result, boot };
}

function factsFrom(chip: ChipSpec, details: ChipDetails, port: string): BoardFacts {
  return {
    chip,
    description: details.description,
    mac: details.mac,
    flashSizeBytes: details.flashSizeBytes,
    revision: details.revision ? details.revision.major * 100 + details.revision.minor : undefined,
    port,
  };
}
