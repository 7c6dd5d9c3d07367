import type { ChipSpec } from '../../chips/index.js';
import type { Deflate } from '../../platform/deflate.js';
import type { AutoBaud } from '../auto-baud.js';
import type { CompressedRegions } from '../compressed-cache.js';
import type { Range } from '../md5.js';
import type { FlashPart } from '../parts.js';
import type { PhaseStat } from '../phase-meter.js';
import type { AfterMode, BeforeMode, ResetStrategy } from '../reset.js';
import type { ChipSecurity } from '../security.js';
import type { StubProvider } from '../stub.js';

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
