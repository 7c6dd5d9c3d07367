import type { ChipSpec } from '../../chips/types.js';
import type { StubImage } from '../../stub/stub-image.js';
import type { ChipIdentity } from '../chip-identity.js';
import { boardChip } from '../chips.js';
import type { FlashWriteFaults } from '../flash-faults.js';
import type { FlashMemory } from '../flash-memory.js';
import { LoaderCore, type LoaderHost, type LoaderRoom } from './core.js';
import type { LoaderMode } from './reply.js';
import { RomLoader } from './rom-loader.js';
import { FLASHER_STUB_V1_2, GENERIC_STUB, type StubFamily } from './stub-families.js';
import { knownStub, uploadDigest } from './stub-digests.js';
import { isStubUpload } from './stub-image.js';
import { StubLoader } from './stub-loader.js';

export type { LoaderHost } from './core.js';

/**
 * The chip in download mode: Espressif's ROM loader (rom-loader.ts) and, once uploaded and started,
 * a flasher stub (stub-loader.ts), two rooms over one core (core.ts: queue, reply timing, clock), the
 * way esptool keeps a chip's ROM class apart from its stub class. It speaks unframed packets (the
 * board does SLIP and the UART) and models what the real loaders do, down to their quirks, because
 * the client is tested against it: the traces in shared/traces are the ground truth.
 */

/** What a program started with MEM_END is taken for when the board does not recognise it. */
export type RamCodeMode = 'stub' | 'reboot';

export interface DownloadModeLoaderOptions {
  chip: ChipSpec;
  flash: FlashMemory;
  identity: ChipIdentity;
  host: LoaderHost;
  /** Espressif's stub for this chip as the client bundles it (recognised even without the digest table). */
  stubImage?: StubImage | (() => StubImage | undefined);
  /** The baud rate the ROM auto-bauded to (UART_CLKDIV follows it). Default 115200. */
  initialBaud?: number;
  /**
   * A program MEM_END starts that is no known stub: 'stub' (default) runs it as a generic flasher stub
   * of the chip's dialect; 'reboot' treats it as user code (the chip leaves download mode).
   */
  ramCode?: RamCodeMode;
  /** Writes outside the regions asked for (tests of the client's final check). */
  flashFaults?: FlashWriteFaults;
}

export class DownloadModeLoader {
  private readonly core: LoaderCore;
  private readonly stubSource: DownloadModeLoaderOptions['stubImage'];
  private readonly ramCode: RamCodeMode;
  private room: LoaderRoom;

  constructor(opts: DownloadModeLoaderOptions) {
    const board = boardChip(opts.chip.id);
    this.core = new LoaderCore(opts.chip, board, opts.flash, opts.identity, opts.host, opts.initialBaud ?? 115200, opts.flashFaults);
    this.stubSource = opts.stubImage;
    this.ramCode = opts.ramCode ?? 'stub';
    this.room = this.romRoom();
  }

  get mode(): LoaderMode {
    return this.room.mode;
  }

  /** The running stub's family, when a stub runs. */
  get stubFamily(): StubFamily | undefined {
    return this.room instanceof StubLoader ? this.room.family : undefined;
  }

  /** Frames the running esp-flasher-stub lost for want of an armed receive buffer. */
  get lostFrames(): number {
    return this.room instanceof StubLoader ? this.room.lostFrames : 0;
  }

  /** One unframed packet from the host: a command, or a READ_FLASH acknowledgement. */
  receive(packet: Uint8Array): void {
    if (this.core.stopped) return;
    this.room.accept(packet);
    this.drain();
  }

  /** Chip reset: back to the ROM, RAM and peripherals cleared, flash kept. */
  reset(): void {
    this.core.reset();
    this.room = this.romRoom();
  }

  private drain(): void {
    this.core.drain(() => this.room);
  }

  private romRoom(): RomLoader {
    return new RomLoader(this.core, (entry) => this.jump(entry));
  }

  /** The CPU jumps to `entry` in RAM: a flasher stub the board emulates, or the chip leaves. */
  private jump(entry: number): void {
    const family = this.recognise(entry);
    this.core.ram.clear();
    if (!family) {
      this.core.leaveDownloadMode();
      return;
    }
    // Every flasher stub attaches the SPI flash as it starts.
    this.core.regs.spi.attach();
    const stub = new StubLoader(this.core, family, (e) => this.jump(e));
    this.room = stub;
    stub.start();
  }

  private recognise(entry: number): StubFamily | undefined {
    const segments = this.core.ram.uploaded.map((s) => ({ address: s.address, bytes: s.bytes.subarray(0, s.filled) }));
    const known = knownStub(uploadDigest(entry, segments), this.core.chip.id);
    if (known) return known.family;
    const image = typeof this.stubSource === 'function' ? this.stubSource() : this.stubSource;
    if (image && isStubUpload(image, this.core.ram.uploaded, entry)) return FLASHER_STUB_V1_2;
    return this.ramCode === 'stub' ? GENERIC_STUB : undefined;
  }
}
