import type { ChipSpec } from '../../chips/types.js';
import type { ChipIdentity } from '../chip-identity.js';
import { type BoardChip, uartCeiling } from '../chips.js';
import type { FlashWriteFaults } from '../flash-faults.js';
import type { FlashMemory } from '../flash-memory.js';
import { RamUpload } from './ram-upload.js';
import { RegisterModel } from './registers.js';
import type { LoaderMode } from './reply.js';
import { WorkClock } from './work-clock.js';

/**
 * What the ROM loader and the flasher stub share: the chip (registers, RAM, flash, UART rate), the
 * CPU's modeled time, and the main loop that takes one frame at a time and replies at the modeled end
 * of its work. Each loader is a room (rom-loader.ts, stub-loader.ts) that decides how frames are
 * buffered and what a command does; the core only runs them.
 */

export interface LoaderHost {
  /** An unframed reply packet, or a raw stub data frame (OHAI, READ_FLASH data and digest). */
  send(packet: Uint8Array): void;
  /**
   * After the acknowledgement of CHANGE_BAUDRATE has been sent: the UART now runs at `baud`; `agreed`
   * is the rate the loader acknowledged (what a host that follows the protocol sets its side to).
   */
  changeBaud(baud: number, agreed: number): void;
  /** The chip leaves download mode (FLASH_END, RUN_USER_CODE, MEM_END to code that is not the stub). */
  runUserCode(): void;
  now(): number;
  schedule(ms: number, fn: () => void): void;
}

/** One loader running on the core. */
export interface LoaderRoom {
  readonly mode: LoaderMode;
  /** A whole frame reached the chip's UART (its last byte just arrived). */
  accept(packet: Uint8Array): void;
  /** The main loop looks for the next frame; undefined when there is none. */
  take(): Uint8Array | undefined;
  /** Handles one frame; modeled time advances on core.clock. */
  handle(packet: Uint8Array): void;
  /** The main loop is done with the frame it took (at core.clock.cursor). */
  release?(): void;
}

export class LoaderCore {
  readonly clock = new WorkClock();
  readonly ram = new RamUpload();
  readonly regs: RegisterModel;
  /** The UART's current rate. */
  uartBaud: number;
  /** The fastest rate the UART's divider can reach from its current source clock (chips.ts uartCeiling). */
  uartMaxBaud: number;
  /** When the chip last sent something (a host that waits for replies sends nothing before it). */
  lastSendAt = Number.NEGATIVE_INFINITY;
  private busy = false;
  private halted = false;
  /** Bumped by reset(): callbacks scheduled before it are dropped. */
  private generation = 0;

  constructor(
    readonly chip: ChipSpec,
    readonly board: BoardChip,
    readonly flash: FlashMemory,
    readonly identity: ChipIdentity,
    readonly host: LoaderHost,
    readonly initialBaud: number,
    /** Injected writes outside the regions asked for (flash-faults.ts); none on a healthy board. */
    readonly flashFaults?: FlashWriteFaults,
  ) {
    this.uartBaud = initialBaud;
    this.uartMaxBaud = uartCeiling(board.romUartClockMHz);
    this.regs = new RegisterModel(chip, board, identity, initialBaud);
    this.clock.reset(host.now());
  }

  get stopped(): boolean {
    return this.halted;
  }

  /** Chip reset: RAM and peripherals cleared, flash kept, pending work dropped. */
  reset(): void {
    this.generation++;
    this.uartBaud = this.initialBaud;
    this.uartMaxBaud = uartCeiling(this.board.romUartClockMHz);
    this.busy = false;
    this.halted = false;
    this.regs.reset();
    this.ram.clear();
    this.clock.reset(this.host.now());
  }

  /** Runs the room's main loop until it has nothing to take or is busy until a later time. */
  drain(room: () => LoaderRoom): void {
    while (!this.busy && !this.halted) {
      const r = room();
      const packet = r.take();
      if (!packet) break;
      const now = this.host.now();
      this.clock.start(now);
      // Flash time spent outside the loader (an application's writes before a reset) is not ours.
      this.flash.takeCostMs();
      r.handle(packet);
      r.release?.();
      this.flash.flush();
      const waitMs = this.clock.cursor - now;
      if (waitMs > 0) {
        this.busy = true;
        this.later(waitMs, () => {
          this.busy = false;
          this.drain(room);
        });
      }
    }
  }

  /** Runs `fn` when the CPU's modeled time reaches the current cursor (now, without timing). */
  atCursor(fn: () => void): void {
    const delay = this.clock.cursor - this.host.now();
    if (delay <= 0) fn();
    else this.later(delay, fn);
  }

  emit(packet: Uint8Array): void {
    this.atCursor(() => {
      this.lastSendAt = this.host.now();
      this.host.send(packet);
    });
  }

  /**
   * The UART switches rate once what was sent before has gone out. Past the divider's limit it runs at
   * the fastest rate it can reach, which is not what the host was told: the line garbles.
   */
  changeBaud(baud: number, agreed = baud): void {
    const runs = Math.min(baud, this.uartMaxBaud);
    this.regs.setBaud(runs);
    this.uartBaud = runs;
    this.atCursor(() => this.host.changeBaud(runs, agreed));
  }

  /** The UART's source clock changed (a stub raised it): its divider reaches this far now. */
  setUartClock(clockMHz: number): void {
    this.uartMaxBaud = uartCeiling(clockMHz);
  }

  leaveDownloadMode(): void {
    this.halted = true;
    this.atCursor(() => this.host.runUserCode());
  }

  private later(ms: number, fn: () => void): void {
    const gen = this.generation;
    this.host.schedule(ms, () => {
      if (gen === this.generation) fn();
    });
  }
}

/** Every word of `data` as u32le; missing words read 0. */
export function words(data: Uint8Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i * 4 + 4 <= data.length ? readWord(data, i * 4) : 0);
  return out;
}

function readWord(d: Uint8Array, at: number): number {
  return (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0;
}

/** *_DATA payload: u32 size, u32 seq, two zero words, then the bytes; undefined if size disagrees. */
export function dataBlock(data: Uint8Array): { seq: number; payload: Uint8Array } | undefined {
  if (data.length < 16) return undefined;
  const size = readWord(data, 0);
  const payload = data.subarray(16);
  if (size !== payload.length) return undefined;
  return { seq: readWord(data, 4), payload };
}
