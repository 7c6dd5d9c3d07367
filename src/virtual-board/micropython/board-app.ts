/**
 * Real MicroPython (the WebAssembly port) behind the virtual board's UART, dressed as the firmware that
 * was flashed: the banner comes from the image in flash, the files live in flash (see fs-image), and
 * what the WebAssembly port lacks or does differently from an ESP32 build is filled in here:
 * - `MPY: soft reboot` and a fresh interpreter on Ctrl-D (the port only reports that it wants to exit);
 * - raw-paste mode, which the port cannot enter (it stops answering), is answered by this host: either
 *   as v1.27 firmware does (`R\x01`, window 128, flow control) or as old firmware without it (`R\x00`);
 * - `\n` from print() leaves as `\r\n`, as the ESP32 port's cooked stdout sends it.
 * Browser-safe: the package loads its .wasm itself in Node and in browsers.
 */
import { loadMicroPython, type MicroPythonWasm } from '@micropython/micropython-webassembly-pyscript';
import type { MicroPythonBanner } from '../../image/banner.js';
import { bytesEqual } from '../../platform/bytes.js';
import type { AppContext, AppFactory, AppRuntime } from '../app-runtime.js';
import { decodeFs, encodeFs, fsRecordLength, FS_HEADER_LEN, type FsEntry } from './fs-image.js';
import { fsRegion, type FlashRegion } from './fs-region.js';
import { flashedMicroPython } from './flashed-app.js';
import { clearEmscriptenDirs, restoreFiles, snapshotFiles } from './wasm-fs.js';

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
}

/** The AppFactory to plug into the virtual board: runs when the flash holds a MicroPython image. */
export function micropythonApp(options: MicroPythonAppOptions = {}): AppFactory {
  return (ctx) => {
    const banner = flashedMicroPython(ctx.chip, ctx.flash);
    return banner ? new MicroPythonBoardApp(ctx, banner, options) : undefined;
  };
}

/** What MicroPython's inisetup.py writes as boot.py on first boot (139 bytes). */
const FIRST_BOOT_FILES: readonly FsEntry[] = [
  {
    kind: 'file',
    path: '/boot.py',
    data: new TextEncoder().encode(
      '# This file is executed on every boot (including wake-boot from deepsleep)\n' +
        '#import esp\n#esp.osdebug(None)\n#import webrepl\n#webrepl.start()\n',
    ),
  },
];

/** pyexec.c's raw-paste window on ports with a 256-byte stdin buffer (what the trace shows: 128). */
const RAW_PASTE_WINDOW = 128;
const CTRL_A = 0x01;
const CTRL_D = 0x04;
const CTRL_E = 0x05;
const RAW_PROMPT_TAIL = 'raw REPL; CTRL-B to exit\r\n>';
/** The port announces itself as this machine; the board replaces it with the flashed image's. */
const PORT_BANNER_RE = /MicroPython v[^\r\n;]* on [0-9-]+; JS with Emscripten/g;

type BootKind = 'power-on' | 'soft-friendly' | 'soft-raw';

class MicroPythonBoardApp implements AppRuntime {
  private mp: MicroPythonWasm | undefined;
  private stopped = false;
  private pending: number[] = [];
  private captured: number[] = [];
  private mode: 'friendly' | 'raw' = 'friendly';
  /** In raw mode: the prompt was printed and nothing typed since (where `\x05A\x01` may start raw paste). */
  private atRawPrompt = false;
  private probe: number[] = [];
  private paste: { code: number[]; sinceCredit: number } | undefined;
  private lastSentByte = 0;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private lastRecord: Uint8Array | undefined;
  private readonly region: FlashRegion | undefined;
  private readonly bannerLine: string;

  constructor(
    private readonly ctx: AppContext,
    banner: MicroPythonBanner,
    private readonly options: MicroPythonAppOptions,
  ) {
    this.region = fsRegion(ctx.flash);
    this.bannerLine = `MicroPython v${banner.version} on ${banner.buildDate}; ${banner.boardName} with ${banner.mcuName}`;
    void this.boot('power-on', this.readStoredFiles());
  }

  input(data: Uint8Array): void {
    if (this.stopped) return;
    for (const b of data) this.pending.push(b);
    this.pump();
  }

  stop(): void {
    if (this.stopped) return;
    if (this.mp) this.persist();
    this.stopped = true;
    this.mp = undefined;
    clearTimeout(this.persistTimer);
  }

  private async boot(kind: BootKind, files: readonly FsEntry[] | undefined): Promise<void> {
    let mp: MicroPythonWasm;
    try {
      mp = await loadMicroPython({
        stdout: (d) => {
          for (const b of d) this.captured.push(b);
        },
        linebuffer: false,
        ...(this.options.heapBytes ? { heapsize: this.options.heapBytes } : {}),
        ...(this.options.wasmUrl ? { url: this.options.wasmUrl } : {}),
      });
    } catch (e) {
      if (!this.stopped) this.send(`\r\nvirtual board: MicroPython did not load: ${e instanceof Error ? e.message : String(e)}\r\n`);
      return;
    }
    if (this.stopped) return;
    clearEmscriptenDirs(mp.FS);
    if (files) {
      restoreFiles(mp.FS, files);
    } else {
      this.send('Performing initial setup\r\n');
      restoreFiles(mp.FS, FIRST_BOOT_FILES);
    }
    this.captured = [];
    mp.replInit();
    if (kind === 'soft-raw') {
      mp.replProcessChar(CTRL_A);
      this.captured = [];
      this.mp = mp;
      this.send(RAW_PROMPT_TAIL);
    } else {
      // The port starts its banner with a blank line; the ESP32 firmware does not.
      const text = this.takeCaptured().replace(/^\r\n/, '');
      this.mp = mp;
      this.send(text);
    }
    if (!files) this.persist();
    this.pump();
  }

  private pump(): void {
    let i = 0;
    while (this.mp && i < this.pending.length) this.step(this.pending[i++]!);
    this.pending = this.pending.slice(i);
    this.flushCaptured();
    if (this.mp && i > 0) this.schedulePersist();
  }

  private step(b: number): void {
    if (this.paste) return this.pasteByte(b);
    if (this.probe.length > 0 || (this.mode === 'raw' && this.atRawPrompt && b === CTRL_E)) return this.probeByte(b);
    this.feed(b);
  }

  private feed(b: number): void {
    const mp = this.mp!;
    if (this.mode === 'raw') this.atRawPrompt = false;
    if (mp.replProcessChar(b) !== 0) this.softReboot();
  }

  /** Collects `\x05 A \x01`; anything else goes to the interpreter as typed. */
  private probeByte(b: number): void {
    this.probe.push(b);
    const [e, a, one] = this.probe;
    if (this.probe.length === 2 && a === 0x41) return;
    if (this.probe.length === 3 && e === CTRL_E && a === 0x41 && one === CTRL_A) {
      this.probe = [];
      this.flushCaptured();
      if (this.options.rawPaste ?? true) {
        this.paste = { code: [], sinceCredit: 0 };
        this.sendBytes(new Uint8Array([0x52, 0x01, RAW_PASTE_WINDOW & 0xff, RAW_PASTE_WINDOW >> 8, 0x01]));
      } else {
        this.sendBytes(new Uint8Array([0x52, 0x00]));
      }
      return;
    }
    if (this.probe.length === 1) return;
    const typed = this.probe;
    this.probe = [];
    for (const t of typed) this.feed(t);
  }

  private pasteByte(b: number): void {
    const paste = this.paste!;
    if (b !== CTRL_D) {
      paste.code.push(b);
      if (++paste.sinceCredit === RAW_PASTE_WINDOW) {
        paste.sinceCredit = 0;
        this.sendBytes(new Uint8Array([0x01]));
      }
      return;
    }
    this.paste = undefined;
    this.flushCaptured();
    // End of paste acknowledged with \x04 (no OK), then the usual "stdout \x04 stderr \x04 >".
    this.sendBytes(new Uint8Array([CTRL_D]));
    for (const c of paste.code) this.feed(c);
    this.feed(CTRL_D);
    if (this.captured[0] === 0x4f && this.captured[1] === 0x4b) this.captured.splice(0, 2);
  }

  private softReboot(): void {
    const mp = this.mp!;
    this.flushCaptured();
    this.send('MPY: soft reboot\r\n');
    const files = snapshotFiles(mp.FS);
    this.persist(files);
    this.mp = undefined;
    this.probe = [];
    void this.boot(this.mode === 'raw' ? 'soft-raw' : 'soft-friendly', files);
  }

  private takeCaptured(): string {
    let s = '';
    for (const b of this.captured) s += String.fromCharCode(b);
    this.captured = [];
    return s;
  }

  private flushCaptured(): void {
    if (this.captured.length > 0) this.send(this.takeCaptured());
  }

  /** Sends interpreter output (latin-1 string of bytes) as the flashed firmware would print it. */
  private send(text: string): void {
    let out = text.replace(PORT_BANNER_RE, this.bannerLine);
    out = out.replace(/\n/g, (_m, at: number) => {
      const before = at > 0 ? out.charCodeAt(at - 1) : this.lastSentByte;
      return before === 0x0d ? '\n' : '\r\n';
    });
    if (out.includes(RAW_PROMPT_TAIL)) this.mode = 'raw';
    if (out.includes(this.bannerLine)) this.mode = 'friendly';
    if (this.mode === 'raw' && (out.endsWith('\x04>') || out.endsWith(RAW_PROMPT_TAIL))) this.atRawPrompt = true;
    const bytes = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) bytes[i] = out.charCodeAt(i);
    this.sendBytes(bytes);
  }

  private sendBytes(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.stopped) return;
    this.lastSentByte = bytes[bytes.length - 1]!;
    this.ctx.uartWrite(bytes);
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

  private schedulePersist(): void {
    if (this.persistTimer !== undefined) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      if (this.mp && !this.stopped) this.persist();
    }, 0);
  }

  /** Writes the files into the flash region when they changed (a real board's writes reach flash as files close). */
  private persist(files: readonly FsEntry[] = snapshotFiles(this.mp!.FS)): void {
    const region = this.region;
    if (!region) return;
    const record = encodeFs(files);
    if (record.length > region.size) return;
    if (this.lastRecord && bytesEqual(this.lastRecord, record)) return;
    this.ctx.flash.write(region.offset, record);
    this.lastRecord = record;
  }
}
