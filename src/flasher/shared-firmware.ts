/**
 * One firmware for many boards: resolved once per (chip, flash size) when it comes from a catalog,
 * validated and patched once per kind of target (chip, flash size, revision), and the same
 * PreparedFirmware object handed to every board of that kind, so whatever is cached on it (and the
 * shared deflate, keyed by its part buffers) is worked out once. Browser-safe.
 */
import type { Reporter } from '../progress.js';
import { analyzeFirmware } from '../image/firmware-file.js';
import { type FirmwareChoice, type FirmwareResolverContext, type PrepareOptions, type PreparedFirmware, type ResolvedImage, prepareFirmware, preparedFits } from './flash-job.js';
import type { TargetInfo } from './session.js';

/** What a board says of itself that a catalog choice follows. */
export type BoardSelf = Pick<FirmwareResolverContext, 'identity' | 'running'>;

function selfKey(board: BoardSelf): string {
  const psram = board.identity?.embeddedPsram;
  return [board.identity?.model ?? '', psram ? `${psram.bytes}${psram.type ?? ''}` : '', board.running?.machine ?? ''].join('|');
}

export class SharedFirmware {
  private readonly resolved = new Map<string, Promise<ResolvedImage>>();
  private readonly prepared = new Map<string, Promise<PreparedFirmware>>();
  private resolverRuns = 0;

  constructor(
    private readonly choice: FirmwareChoice,
    private readonly options: PrepareOptions,
  ) {}

  /** How often the catalog resolver ran (once per chip and flash size, however many boards). */
  get resolutions(): number {
    return this.resolverRuns;
  }

  /**
   * The firmware for this board; boards of the same kind share one promise, so one check runs. With a
   * catalog choice, what the board says of itself (`board`: eFuse facts, the MicroPython it ran) makes
   * its own kind: an S3 with octal PSRAM and one without get different builds.
   */
  forTarget(target: TargetInfo, reporter: Reporter, board: BoardSelf = {}): Promise<PreparedFirmware> {
    const key = `${target.chip.id}/${target.flashSizeBytes ?? '?'}/${selfKey(board)}/${target.chipRevision ?? '?'}`;
    let p = this.prepared.get(key);
    if (!p) {
      p = this.prepare(target, reporter, board);
      this.prepared.set(key, p);
    }
    return p;
  }

  private async prepare(target: TargetInfo, reporter: Reporter, board: BoardSelf): Promise<PreparedFirmware> {
    const c = this.choice;
    if ('prepared' in c) return preparedFits(c.prepared, target) ? c.prepared : prepareFirmware(c.prepared.firmware, target, c.prepared.options, c.prepared.provenance);
    if ('file' in c) return prepareFirmware(c.file, target, this.options, c.provenance);
    if ('parts' in c) return prepareFirmware(c.parts, target, this.options, c.provenance);
    const image = await this.resolve(c.resolve, target, reporter, board);
    return prepareFirmware(analyzeFirmware(image.bytes, image.fileName), target, this.options, image.provenance);
  }

  private resolve(resolver: Extract<FirmwareChoice, { resolve: unknown }>['resolve'], target: TargetInfo, reporter: Reporter, board: BoardSelf): Promise<ResolvedImage> {
    const key = `${target.chip.id}/${target.flashSizeBytes ?? '?'}/${selfKey(board)}`;
    let p = this.resolved.get(key);
    if (!p) {
      this.resolverRuns++;
      p = resolver({ chip: target.chip, flashBytes: target.flashSizeBytes, reporter, ...board });
      // A failed download is not remembered: the next board of this kind tries again.
      p.catch(() => {
        this.resolved.delete(key);
        this.prepared.forEach((v, k) => k.startsWith(`${key}/`) && this.prepared.delete(k));
      });
      this.resolved.set(key, p);
    }
    return p;
  }
}
