/**
 * Real MicroPython (the WebAssembly port) behind the virtual board's UART, dressed as the firmware that
 * was flashed. This is the board thread's half: it starts the interpreter in a worker (see
 * interpreter-protocol.ts for why), hands it the files kept in flash and the board's facts, carries UART
 * bytes both ways, writes the files back to flash as the worker reports them, and turns Ctrl-C typed
 * while Python runs into a KeyboardInterrupt raised inside the running interpreter, as the ESP32
 * port's UART interrupt does. The REPL details live in the worker (interpreter-worker.ts).
 * Browser-safe.
 */
import type { MicroPythonBanner } from '../../image/banner.js';
import { bytesEqual } from '../../platform/bytes.js';
import type { AppBootCause, AppContext, AppFactory, AppRuntime, PinInputs } from '../app-runtime.js';
import { decodeFs, fsRecordLength, FS_HEADER_LEN, type FsEntry } from './fs-image.js';
import { fsRegion, type FlashRegion } from './fs-region.js';
import { flashedMicroPython } from './flashed-app.js';
import {
  CTL_ANALOG,
  CTL_BUSY,
  CTL_INPUT,
  CTL_INTERRUPTED,
  CTL_SLOTS,
  CTL_WAKE,
  type BoardFacts,
  type RadioFacts,
  type FromWorker,
  type InterpreterHost,
  type InterruptWords,
  type WorkerLink,
} from './interpreter-protocol.js';
import { raiseKeyboardInterrupt } from './shared-memory.js';
import { defaultInterpreterHost } from './default-host.js';

export interface MicroPythonAppOptions {
  /** Answer raw-paste requests as current firmware does (default); false answers `R\x00` like firmware before v1.13. */
  rawPaste?: boolean;
  /** Heap of the interpreter (bytes); ESP32 builds without PSRAM have about 110 KiB free, the port's default is 1 MiB. */
  heapBytes?: number;
  /**
   * Where micropython.wasm is served from. Needed in a bundled page: the package looks for the .wasm
   * beside its own script, which a bundler renames (the web page passes Vite's asset URL).
   */
  wasmUrl?: string;
  /** Where the interpreter runs; default: a Web Worker in browsers, a worker thread in Node. */
  host?: InterpreterHost;
  /** The Wi-Fi networks the board's radio finds (default: a radio that finds none); null: no radio at all. */
  radio?: RadioFacts | null;
}

/** The AppFactory to plug into the virtual board: runs when the flash holds a MicroPython image. */
export function micropythonApp(options: MicroPythonAppOptions = {}): AppFactory {
  return (ctx) => {
    const banner = flashedMicroPython(ctx.chip, ctx.flash);
    return banner ? new MicroPythonBoardApp(ctx, banner, options) : undefined;
  };
}

const CTRL_C = 0x03;
const GPIO_SLOTS = 64;
const UART_BATCH_MS = 10;
/**
 * machine.reset_cause() values (machine.PWRON_RESET...). On an ESP32 the EN pin resets the whole chip,
 * which esp_reset_reason() reports as power-on; machine.reset() is a software restart (SOFT_RESET).
 */
const RESET_CAUSE: Record<AppBootCause, number> = { 'power-on': 1, external: 1, 'rtc-watchdog': 3, deepsleep: 4, software: 5 };

class MicroPythonBoardApp implements AppRuntime {
  private link: WorkerLink | undefined;
  private stopped = false;
  /** Typed before the worker existed. */
  private early: Uint8Array[] = [];
  private readonly control: Int32Array | undefined;
  private memory: Int32Array | undefined;
  private words: InterruptWords | undefined;
  private lastRecord: Uint8Array | undefined;
  private uartQueue: Uint8Array[] = [];
  private uartTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly region: FlashRegion | undefined;

  constructor(
    private readonly ctx: AppContext,
    banner: MicroPythonBanner,
    private readonly options: MicroPythonAppOptions,
  ) {
    this.region = fsRegion(ctx.flash);
    const shared = typeof SharedArrayBuffer === 'function';
    const control = shared ? new SharedArrayBuffer(CTL_SLOTS * 4) : undefined;
    this.control = control ? new Int32Array(control) : undefined;
    if (this.control) {
      this.control.fill(-1, CTL_INPUT, CTL_SLOTS);
      if (ctx.inputs) this.inputsChanged(ctx.inputs);
    }
    const files = this.readStoredFiles();
    const facts = this.facts(banner);
    const start = (host: InterpreterHost): void => {
      if (this.stopped) return;
      const link = host.spawn();
      this.link = link;
      link.onMessage((m) => this.fromWorker(m));
      link.onError((e) => {
        if (!this.stopped) this.ctx.uartWrite(latin1(`\r\nvirtual board: MicroPython stopped: ${e.message}\r\n`));
      });
      link.post({
        type: 'start',
        facts,
        files,
        rawPaste: options.rawPaste ?? true,
        ...(options.heapBytes ? { heapBytes: options.heapBytes } : {}),
        ...(options.wasmUrl ? { wasmUrl: options.wasmUrl } : {}),
        ...(control ? { control } : {}),
      });
      for (const d of this.early) link.post({ type: 'input', data: d });
      this.early = [];
    };
    if (options.host) start(options.host);
    else
      defaultInterpreterHost().then(start, (e: unknown) => {
        if (!this.stopped) this.ctx.uartWrite(latin1(`\r\nvirtual board: MicroPython did not start: ${e instanceof Error ? e.message : String(e)}\r\n`));
      });
  }

  input(data: Uint8Array): void {
    if (this.stopped) return;
    let from = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== CTRL_C || !this.interruptRunningCode()) continue;
      // A Ctrl-C that interrupted running code is taken by the UART interrupt, never read as input.
      this.forward(data.subarray(from, i));
      from = i + 1;
    }
    this.forward(data.subarray(from));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.uartTimer);
    this.link?.terminate();
    this.link = undefined;
  }

  inputsChanged(inputs: PinInputs): void {
    const c = this.control;
    if (!c) return;
    for (let pin = 0; pin < GPIO_SLOTS; pin++) {
      Atomics.store(c, CTL_INPUT + pin, inputs.level(pin) ?? -1);
      Atomics.store(c, CTL_ANALOG + pin, inputs.analog(pin) ?? -1);
    }
  }

  private forward(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.link) this.link.post({ type: 'input', data: data.slice() });
    else this.early.push(data.slice());
  }

  /** True when Python is running and the interrupt was raised in it. */
  private interruptRunningCode(): boolean {
    const c = this.control;
    if (!c || !this.memory || !this.words || Atomics.load(c, CTL_BUSY) !== 1) return false;
    raiseKeyboardInterrupt(this.memory, this.words);
    Atomics.store(c, CTL_INTERRUPTED, 1);
    Atomics.add(c, CTL_WAKE, 1);
    Atomics.notify(c, CTL_WAKE);
    return true;
  }

  private fromWorker(m: FromWorker): void {
    if (this.stopped) return;
    switch (m.type) {
      case 'uart':
        this.queueUart(m.data);
        break;
      case 'files':
        this.persist(m.record);
        break;
      case 'pin':
        // Output printed before the pin changed is on the wire before the LED moves.
        this.flushUart();
        this.ctx.pinChanged?.(m.pin, m.level);
        break;
      case 'memory':
        this.memory = new Int32Array(m.memory);
        this.words = m.words;
        break;
      case 'reset':
        // What it printed before machine.reset() left the UART before the chip restarted.
        this.flushUart();
        this.ctx.restart?.(m.kind, m.sleepMs);
        break;
      case 'idle':
        this.flushUart();
        break;
    }
  }

  /**
   * The worker sends each write of the interpreter as it happens. An answer (echo, result, prompt)
   * leaves as one UART write when the worker reports it is idle again, as a board sends them back to
   * back; output of code that keeps running leaves at least every UART_BATCH_MS.
   */
  private queueUart(data: Uint8Array): void {
    this.uartQueue.push(data);
    if (this.uartTimer !== undefined) return;
    this.uartTimer = setTimeout(() => this.flushUart(), UART_BATCH_MS);
  }

  private flushUart(): void {
    clearTimeout(this.uartTimer);
    this.uartTimer = undefined;
    const parts = this.uartQueue;
    this.uartQueue = [];
    if (this.stopped || parts.length === 0) return;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    this.ctx.uartWrite(out);
  }

  private facts(banner: MicroPythonBanner): BoardFacts {
    const esp8266 = this.ctx.chip.imageFormat === 'esp8266';
    return {
      banner,
      sysname: esp8266 ? 'esp8266' : 'esp32',
      chipName: this.ctx.chip.name,
      mac: [...(this.ctx.mac ?? new Uint8Array(6))],
      flashSize: this.ctx.flash.size,
      cpuHz: esp8266 ? 80_000_000 : 160_000_000,
      resetCause: RESET_CAUSE[this.ctx.bootCause ?? 'power-on'],
      fsBytes: this.region?.size ?? 0,
      ...(this.options.radio === null ? {} : { radio: this.options.radio ?? { accessPoints: [] } }),
    };
  }

  private readStoredFiles(): FsEntry[] | undefined {
    const region = this.region;
    if (!region) return undefined;
    const total = fsRecordLength(this.ctx.flash.read(region.offset, Math.min(FS_HEADER_LEN, region.size)));
    if (total === undefined || total > region.size) return undefined;
    const record = this.ctx.flash.read(region.offset, total);
    const files = decodeFs(record);
    if (files) this.lastRecord = record;
    return files;
  }

  /** Writes the files into the flash region when they changed (a real board's writes reach flash as files close). */
  private persist(record: Uint8Array): void {
    const region = this.region;
    if (!region || record.length > region.size) return;
    if (this.lastRecord && bytesEqual(this.lastRecord, record)) return;
    this.ctx.flash.write(region.offset, record);
    this.lastRecord = record;
  }
}

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
