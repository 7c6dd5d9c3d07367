import { chipById } from '../chips/index.js';
import type { ChipId, ChipSpec } from '../chips/types.js';
import { UpyflashError } from '../errors.js';
import { latin1Bytes } from '../platform/bytes.js';
import { SlipDecoder, slipEncode } from '../protocol/slip.js';
import type { ControlLines } from '../transport/transport.js';
import type { AppBootCause, AppContext, AppFactory, AppRuntime, FlashView, PinInputs } from './app-runtime.js';
import { readBootImage } from './boot-image.js';
import { defaultIdentity, type ChipIdentity } from './chip-identity.js';
import { realClock, TimerGroup, type Clock } from './clock.js';
import type { BoardEndpoint } from '../transport/endpoint.js';
import { LineFaults, type FaultOptions } from './faults.js';
import type { FlashWriteFaults } from './flash-faults.js';
import { FlashMemory, SECTOR_SIZE, type FlashStore } from './flash-memory.js';
import { HostPort, type PortOwner } from './host-port.js';
import { DownloadModeLoader, type LoaderHost, type RamCodeMode } from './loader/loader.js';
import type { StubImage } from '../stub/stub-image.js';
import { AutoResetCircuit } from './reset-circuit.js';
import { boardChip } from './chips.js';
import type { ResetCause, RomMessages } from './rom-messages.js';
import { Wire } from './wire.js';

/**
 * A virtual ESP board: UART with line timing, the DTR/RTS auto-reset circuit, the ROM's boot decision
 * and boot text, the ROM download loader (loader/), and an application runtime booted from flash.
 * Hosts reach it only through a BoardEndpoint (in-process transport, TCP or RFC 2217 server), so the
 * client meets the same bytes, delays and failures it would meet on hardware. Browser-safe.
 */

export type { FaultOptions } from './faults.js';

export type BoardState = 'reset' | 'download' | 'app' | 'halted';

export interface VirtualBoardOptions {
  chip: ChipId;
  flashBytes?: number;
  store?: FlashStore;
  /** 'download' = GPIO0 held low, as if BOOT were held. */
  bootMode?: 'normal' | 'download';
  app?: AppFactory;
  /** Default true: bytes take 10 bits/baud each way. */
  linkModel?: boolean;
  /** Default true: flash erase/program take the flash chip's typical times. */
  flashTiming?: boolean;
  faults?: FaultOptions;
  /** Writes outside the regions asked for (flash-faults.ts), for tests of the client's final check. */
  flashFaults?: FlashWriteFaults;
  identity?: Partial<ChipIdentity>;
  /** Misbehaving boards for diagnostics tests. */
  behaviour?: 'normal' | 'silent' | 'no-sync' | 'ignore-reset';
  /**
   * Espressif's flasher stub for this chip, so the loader recognises its upload (Node:
   * src/stub/node/esptool-js-stubs.ts `loadStubImage`). Without it an uploaded stub counts as user code.
   */
  stubImage?: StubImage | (() => StubImage | undefined);
  /**
   * A program uploaded with MEM_BEGIN/MEM_DATA and started with MEM_END that is no known Espressif stub:
   * 'stub' (default) runs it as a generic flasher stub of the chip's dialect, 'reboot' as user code
   * (the chip leaves download mode and boots from flash).
   */
  ramCode?: RamCodeMode;
  /**
   * Time from EN rising to the chip sampling GPIO0 (the RC on EN). Default 10 ms: inside esptool's
   * 50 ms; boards with a larger capacitor need esptool's 550 ms retry.
   */
  resetDelayMs?: number;
  /** Time source; tests may pass a manual clock. */
  clock?: Clock;
  /** The host reaches the chip over its own USB (USB-Serial/JTAG, OTG CDC): no UART, so the host's rate never mismatches. */
  nativeUsb?: boolean;
}

const DEFAULT_RESET_DELAY_MS = 10;

/** The board's GPIOs as its host sees them: levels the application drives, levels and readings put on inputs. */
export interface BoardPins {
  /** Called when the application drives a pin to a new level; returns the unsubscribe. */
  onChange(listener: (pin: number, level: 0 | 1) => void): () => void;
  /** The level the application drives the pin to; undefined while it does not drive it (after a reset too). */
  level(pin: number): 0 | 1 | undefined;
  /** Puts a level on an input pin (a button); undefined lets it float (pull-ups decide). */
  setInput(pin: number, level: 0 | 1 | undefined): void;
  /** Sets what machine.ADC reads on the pin (raw counts: 0-4095 on ESP32, 0-1023 on ESP8266). */
  setAnalog(pin: number, value: number | undefined): void;
}

export class VirtualBoard {
  readonly chip: ChipSpec;
  readonly flash: FlashMemory;
  readonly identity: ChipIdentity;
  private readonly rom: RomMessages;
  private readonly clock: Clock;
  private readonly behaviour: NonNullable<VirtualBoardOptions['behaviour']>;
  private readonly circuit: AutoResetCircuit;
  private readonly toChip: Wire;
  private readonly toHost: Wire;
  private readonly faults: LineFaults;
  /** Timers of the current boot; a reset cancels them all. */
  private readonly bootTimers: TimerGroup;
  private readonly slip = new SlipDecoder();
  private loader: DownloadModeLoader | undefined;
  private app: AppRuntime | undefined;
  private host: HostPort | undefined;
  private currentState: BoardState = 'reset';
  private chipBaud: number;
  /** The rate the running code means to talk at (a loader's acknowledged CHANGE_BAUDRATE); chipBaud is what its UART runs. */
  private meantBaud: number;
  private nextCause: ResetCause = 'power-on';
  /** Why the chip last started, as the application reads it (machine.reset_cause()). */
  private bootCause: AppBootCause = 'power-on';
  /** Set by machine.reset()/deepsleep: the next start is theirs, not an EN reset's. */
  private appCause: AppBootCause | undefined;
  /** Counts chip restarts, so output of a loader or app from before a reset is dropped. */
  private bootId = 0;
  private powered = false;
  private closed = false;
  private readonly stateListeners: ((s: string) => void)[] = [];
  private readonly agreedListeners: ((baud: number) => void)[] = [];
  private readonly portOwner: PortOwner;
  private readonly driven = new Map<number, 0 | 1>();
  private readonly pinListeners = new Set<(pin: number, level: 0 | 1) => void>();
  private readonly inputLevels = new Map<number, 0 | 1>();
  private readonly analogValues = new Map<number, number>();
  private readonly pinInputs: PinInputs = {
    level: (pin) => this.inputLevels.get(pin),
    analog: (pin) => this.analogValues.get(pin),
  };

  readonly pins: BoardPins = {
    onChange: (listener) => {
      this.pinListeners.add(listener);
      return () => void this.pinListeners.delete(listener);
    },
    level: (pin) => this.driven.get(pin),
    setInput: (pin, level) => {
      if (level === undefined) this.inputLevels.delete(pin);
      else this.inputLevels.set(pin, level);
      this.app?.inputsChanged?.(this.pinInputs);
    },
    setAnalog: (pin, value) => {
      if (value === undefined) this.analogValues.delete(pin);
      else this.analogValues.set(pin, value);
      this.app?.inputsChanged?.(this.pinInputs);
    },
  };

  constructor(private readonly opts: VirtualBoardOptions) {
    const chip = chipById(opts.chip);
    if (!chip) throw new UpyflashError('BAD_ARGUMENT', `Unknown chip for the virtual board: ${opts.chip}`);
    this.chip = chip;
    this.rom = boardChip(chip.id).messages;
    this.clock = opts.clock ?? realClock;
    this.behaviour = opts.behaviour ?? 'normal';
    const flashBytes = opts.flashBytes ?? chip.defaultFlashBytes;
    this.flash = new FlashMemory(flashBytes, {
      ...(opts.store ? { store: opts.store } : {}),
      ...(opts.flashTiming === false ? { timing: false as const } : {}),
    });
    this.identity = { ...defaultIdentity(chip, flashBytes), ...opts.identity };
    this.chipBaud = this.rom.textBaud;
    this.meantBaud = this.chipBaud;
    this.bootTimers = new TimerGroup(this.clock);
    this.faults = new LineFaults(opts.faults);
    const timed = opts.linkModel ?? true;
    const seed = opts.faults?.seed ?? 1;
    this.toChip = new Wire({ clock: this.clock, timed, noiseSeed: seed * 7 + 1, deliver: (d) => this.chipReceive(d) });
    this.toHost = new Wire({ clock: this.clock, timed, noiseSeed: seed * 7 + 2, deliver: (d) => this.host?.deliver(d) });
    this.circuit = new AutoResetCircuit({
      clock: this.clock,
      rcDelayMs: opts.resetDelayMs ?? DEFAULT_RESET_DELAY_MS,
      gpio0StrappedLow: opts.bootMode === 'download',
      wired: this.behaviour !== 'ignore-reset',
      onHold: () => this.hold(),
      onStart: (gpio0Low) => this.start(gpio0Low),
    });
    this.portOwner = {
      hostWrite: (port, data) => this.hostWrite(port, data),
      hostLines: (port, lines) => this.hostLines(port, lines),
      hostClosed: (port) => this.detachHost(port),
    };
    this.powerOn();
  }

  get state(): BoardState {
    return this.currentState;
  }

  /** The chip's current UART rate. */
  get baud(): number {
    return this.chipBaud;
  }

  /**
   * The rate the chip's code means to talk at: the rate its loader last acknowledged, which is what a
   * host following the protocol sets its side to. It differs from `baud` only on a chip whose ROM
   * divides wrongly (identity.romBaudError).
   */
  get agreedBaud(): number {
    return this.meantBaud;
  }

  /** Bytes that went over each direction of the link (after faults and garbling). */
  get linkBytes(): { hostToChip: number; chipToHost: number } {
    return { hostToChip: this.toChip.bytesSent, chipToHost: this.toHost.bytesSent };
  }

  on(event: 'state', fn: (s: string) => void): void {
    if (event === 'state') this.stateListeners.push(fn);
  }

  /** Called whenever agreedBaud changes (before anything is sent at the new rate). */
  onAgreedBaud(fn: (baud: number) => void): void {
    this.agreedListeners.push(fn);
  }

  /** Plugs a host in; one host at a time, so a new one detaches the previous. */
  connect(): BoardEndpoint {
    if (this.closed) throw new UpyflashError('DISCONNECTED', 'The virtual board is closed');
    if (this.host) this.detachHost(this.host);
    const port = new HostPort(this.portOwner);
    this.host = port;
    this.faults.newHost();
    return port;
  }

  /** Powers the board on (the constructor does); on a running board, a power cycle. */
  powerOn(): void {
    if (this.closed) throw new UpyflashError('DISCONNECTED', 'The virtual board is closed');
    if (this.powered) {
      this.circuit.powerOff();
      this.stopChip();
    }
    this.powered = true;
    this.nextCause = 'power-on';
    this.setState('reset');
    this.circuit.powerOn();
  }

  /** Powers off for good and writes the flash to its store. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.circuit.powerOff();
    this.stopChip();
    this.powered = false;
    if (this.host) this.detachHost(this.host);
    this.toChip.close();
    this.toHost.close();
    this.flash.flush();
    this.setState('halted');
  }

  // --- host side -------------------------------------------------------------------------------

  private hostWrite(port: HostPort, data: Uint8Array): void {
    if (port !== this.host) return;
    const { data: onWire, cut } = this.faults.onHostWrite(data);
    if (onWire.length) this.toChip.send(onWire, this.opts.nativeUsb ? this.chipBaud : port.baud, this.chipBaud);
    if (cut) this.detachHost(port);
  }

  private hostLines(port: HostPort, lines: ControlLines): void {
    if (port === this.host) this.circuit.setLines(lines);
  }

  private detachHost(port: HostPort): void {
    if (port !== this.host) return;
    this.host = undefined;
    port.detach();
    // A closed port lets go of DTR and RTS; if that releases EN, the chip starts.
    if (!this.closed) this.circuit.setLines({ dtr: false, rts: false });
  }

  // --- chip side -------------------------------------------------------------------------------

  private chipReceive(data: Uint8Array): void {
    const resetAt = this.faults.resetPoint(data.length);
    if (resetAt !== undefined) {
      this.dispatch(data.subarray(0, resetAt));
      if (this.faults.releasesBoot) this.circuit.releaseStrap();
      this.circuit.glitch();
      return;
    }
    this.dispatch(data);
  }

  private dispatch(data: Uint8Array): void {
    // 'no-sync': the chip's RX is broken, so nothing the host sends ever reaches it.
    if (data.length === 0 || this.behaviour === 'no-sync') return;
    if (this.currentState === 'app') {
      this.app?.input(data);
    } else if (this.currentState === 'download' && this.loader) {
      for (const item of this.slip.push(data)) {
        if (item.kind !== 'frame') continue; // the ROM ignores anything between frames
        this.loader?.receive(item.data);
      }
      this.flash.flush();
    }
  }

  private uartWrite(data: Uint8Array): void {
    if (this.behaviour === 'silent' || data.length === 0) return;
    this.toHost.send(data, this.chipBaud, this.opts.nativeUsb ? this.chipBaud : (this.host?.baud ?? this.chipBaud));
  }

  private print(text: string): void {
    if (text) this.uartWrite(latin1Bytes(text));
  }

  /** EN went low: everything stops. */
  private hold(): void {
    this.stopChip();
    if (this.nextCause !== 'power-on') this.nextCause = 'external';
    this.setState('reset');
  }

  private stopChip(): void {
    this.bootId++;
    this.bootTimers.cancelAll();
    const app = this.app;
    this.app = undefined;
    this.loader = undefined;
    app?.stop();
    // A chip in reset drives no pins.
    this.driven.clear();
    this.slip.reset();
    this.toHost.abortUnsent();
    this.flash.flush();
  }

  /** The chip leaves reset and the ROM runs, with the strapping it latched. */
  private start(gpio0Low: boolean): void {
    const cause = this.nextCause;
    this.nextCause = 'external';
    this.bootCause = this.appCause ?? cause;
    this.appCause = undefined;
    this.stopChip();
    if (this.behaviour === 'silent') {
      this.setState('halted');
      return;
    }
    this.chipBaud = this.rom.textBaud;
    this.agree(this.chipBaud);
    this.print(this.rom.banner(cause, gpio0Low, this.identity.revision));
    if (gpio0Low) this.enterDownloadMode();
    else this.bootFromFlash();
  }

  private enterDownloadMode(): void {
    this.print(this.rom.waitingForDownload);
    this.chipBaud = this.rom.loaderBaud;
    this.agree(this.chipBaud);
    this.loader = new DownloadModeLoader({
      chip: this.chip,
      flash: this.flash,
      identity: this.identity,
      host: this.loaderHost(),
      initialBaud: this.rom.loaderBaud,
      ...(this.opts.stubImage !== undefined ? { stubImage: this.opts.stubImage } : {}),
      ...(this.opts.ramCode !== undefined ? { ramCode: this.opts.ramCode } : {}),
      ...(this.opts.flashFaults ? { flashFaults: this.opts.flashFaults } : {}),
    });
    this.setState('download');
  }

  private loaderHost(): LoaderHost {
    const id = this.bootId;
    return {
      // Replies of a loader that has since been reset must not reach the wire.
      send: (packet) => {
        if (id === this.bootId) this.uartWrite(slipEncode(packet));
      },
      changeBaud: (baud, agreed) => {
        if (id !== this.bootId) return;
        this.chipBaud = baud;
        this.agree(agreed);
      },
      runUserCode: () => {
        // The loader calls this from inside its command handling; boot once it has returned.
        this.bootTimers.schedule(0, () => {
          this.stopChip();
          this.bootFromFlash();
        });
      },
      now: () => this.clock.now(),
      schedule: (ms, fn) =>
        this.bootTimers.schedule(ms, () => {
          fn();
          this.flash.flush();
        }),
    };
  }

  /** The ROM's flash boot: load the image at the bootloader offset, or complain and let the watchdog reset. */
  private bootFromFlash(): void {
    const check = readBootImage(boardChip(this.chip.id), this.flash);
    if (check.ok) {
      const pending: Uint8Array[] = [];
      let live = false;
      const id = this.bootId;
      const runtime = this.opts.app?.(
        this.appContext((d) => {
          if (id !== this.bootId) return; // an app stopped by a reset may still have timers running
          if (live) this.uartWrite(d);
          else pending.push(d.slice());
        }),
      );
      if (runtime) {
        this.print(this.rom.imageLoad(check.image));
        this.chipBaud = this.rom.appBaud;
        this.agree(this.chipBaud);
        this.app = runtime;
        live = true;
        for (const d of pending) this.uartWrite(d);
        this.setState('app');
        return;
      }
    }
    this.setState('halted');
    const complaint = this.rom.invalidHeader;
    if (!complaint) return;
    const firstWord = check.ok ? 0xffffffff : check.firstWord;
    let attempts = 0;
    const attempt = (): void => {
      this.print(complaint.line(firstWord));
      attempts++;
      if (attempts < complaint.attempts) this.bootTimers.schedule(complaint.intervalMs, attempt);
      else
        this.bootTimers.schedule(complaint.intervalMs, () => {
          // The RTC watchdog resets the chip, which latches the strapping pins afresh.
          this.nextCause = 'rtc-watchdog';
          this.start(this.circuit.gpio0Low);
        });
    };
    attempt();
  }

  private appContext(write: (d: Uint8Array) => void): AppContext {
    const flash = this.flash;
    const view: FlashView = {
      size: flash.size,
      read: (offset, length) => flash.read(offset, length),
      write: (offset, data) => {
        // An application's flash driver: erase the touched sectors, keeping what it does not rewrite.
        const start = offset - (offset % SECTOR_SIZE);
        const end = Math.ceil((offset + data.length) / SECTOR_SIZE) * SECTOR_SIZE;
        const merged = flash.read(start, end - start);
        merged.set(data, offset - start);
        for (let at = start; at < end; at += SECTOR_SIZE) flash.eraseSector(at);
        flash.program(start, merged);
        flash.flush();
      },
    };
    const id = this.bootId;
    return {
      chip: this.chip,
      flash: view,
      uartWrite: write,
      mac: this.identity.mac,
      inputs: this.pinInputs,
      bootCause: this.bootCause,
      pinChanged: (pin, level) => {
        if (id !== this.bootId || this.driven.get(pin) === level) return;
        this.driven.set(pin, level);
        for (const l of [...this.pinListeners]) l(pin, level);
      },
      restart: (kind, sleepMs) => {
        if (id !== this.bootId) return;
        this.restartFromApp(kind, sleepMs ?? 0);
      },
    };
  }

  /** machine.reset() restarts the chip through the ROM; deep sleep stops it until its timer (or EN) wakes it. */
  private restartFromApp(kind: 'hard' | 'deepsleep', sleepMs: number): void {
    this.stopChip();
    this.setState('reset');
    this.appCause = kind === 'deepsleep' ? 'deepsleep' : 'software';
    if (kind === 'deepsleep' && sleepMs <= 0) return;
    this.bootTimers.schedule(kind === 'deepsleep' ? sleepMs : 0, () => this.start(this.circuit.gpio0Low));
  }

  private agree(baud: number): void {
    if (baud === this.meantBaud) return;
    this.meantBaud = baud;
    for (const l of this.agreedListeners) l(baud);
  }

  private setState(s: BoardState): void {
    if (s === this.currentState) return;
    this.currentState = s;
    for (const l of this.stateListeners) l(s);
  }
}
