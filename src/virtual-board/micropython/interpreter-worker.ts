/**
 * The interpreter's thread: real MicroPython (the WebAssembly port) dressed as the firmware that was
 * flashed. It boots like the ESP32 port (board modules, boot.py, main.py in friendly mode, then the
 * banner), keeps the REPL's byte conversation, and fills in what the port lacks or does differently:
 * - `MPY: soft reboot` and a fresh interpreter on Ctrl-D (the port only reports that it wants to exit);
 * - raw-paste mode, which the port cannot enter (it stops answering), is answered here: either as v1.27
 *   firmware does (`R\x01`, window 128, flow control) or as old firmware without it (`R\x00`);
 * - `\n` from print() leaves as `\r\n`, as the ESP32 port's cooked stdout sends it;
 * - output leaves while code runs (line by line, and before each sleep), not when it has finished.
 * Runs in a worker (Node or browser), so a loop that never ends only busies this thread; the board
 * thread raises KeyboardInterrupt in it through shared memory (shared-memory.ts).
 */
import { loadMicroPython, type MicroPythonWasm } from '@micropython/micropython-webassembly-pyscript';
import { encodeFs, type FsEntry } from './fs-image.js';
import {
  CTL_ANALOG,
  CTL_BUSY,
  CTL_INPUT,
  CTL_INTERRUPTED,
  CTL_WAKE,
  type InterruptWords,
  type StartMessage,
  type WorkerPort,
} from './interpreter-protocol.js';
import { boardModulesSource, type BoardModules } from './board-modules.js';
import { captureInstances, learnInterruptWords, withdrawKeyboardInterrupt } from './shared-memory.js';
import { clearEmscriptenDirs, restoreFiles, snapshotFiles } from './wasm-fs.js';

export function runInterpreterWorker(port: WorkerPort): void {
  let board: WorkerBoard | undefined;
  port.onMessage((m) => {
    if (m.type === 'start') {
      board = new WorkerBoard(port, m);
      void board.boot('power-on', m.files);
    } else board?.input(m.data);
  });
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
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_E = 0x05;
const RAW_PROMPT_TAIL = 'raw REPL; CTRL-B to exit\r\n>';
/** The port announces itself as this machine; the board replaces it with the flashed image's. */
const PORT_BANNER_RE = /MicroPython v[^\r\n;]* on [0-9-]+; JS with Emscripten/g;
/** Output leaves in pieces of at most this many bytes while code runs. */
const OUTPUT_CHUNK = 256;
/** Emscripten FS calls after which a real board's file would be on flash. */
const FS_WRITES = ['close', 'unlink', 'rmdir', 'mkdir', 'rename'] as const;

type BootKind = 'power-on' | 'soft-friendly' | 'soft-raw';

/** Runs boot.py/main.py as pyexec_file does: in __main__, errors printed, SystemExit asks for a soft reset. */
const RUN_FILE = `
def _vboard_run_file(path):
    import io, sys
    try:
        f = open(path)
    except OSError:
        return 0
    with f:
        src = f.read()
    try:
        exec(compile(src, path, 'exec'), __import__('__main__').__dict__)
    except SystemExit:
        return 1
    except BaseException as e:
        buf = io.StringIO()
        sys.print_exception(e, buf)
        lines = buf.getvalue().split('\\n')
        # Drop this helper's own frame, which a board's traceback does not have.
        print('\\n'.join(l for l in lines if '_vboard_run_file' not in l and 'File "<stdin>"' not in l), end='')
    return 0
`;

class WorkerBoard {
  private mp: MicroPythonWasm | undefined;
  private pending: number[] = [];
  private out: number[] = [];
  private mode: 'friendly' | 'raw' = 'friendly';
  /** In raw mode: the prompt was printed and nothing typed since (where `\x05A\x01` may start raw paste). */
  private atRawPrompt = false;
  private probe: number[] = [];
  private paste: { code: number[]; sinceCredit: number } | undefined;
  /** The raw REPL's `OK` after a raw paste is not sent (the paste protocol acknowledged with \x04). */
  private dropOk = 0;
  private lastSent = '';
  private lastRecord: Uint8Array | undefined;
  private persisting = false;
  /** A file was written since the files were last sent to flash. */
  private unsaved = false;
  /** Output leaves as it comes (while code runs), not only when the interpreter returns. */
  private live = false;
  private readonly pins = new Map<number, 0 | 1>();
  private readonly control: Int32Array | undefined;
  private memory: Int32Array | undefined;
  private words: InterruptWords | undefined;
  private readonly instances: { memory(): WebAssembly.Memory | undefined };
  private readonly bannerLine: string;
  private readonly modules: BoardModules;

  constructor(
    private readonly port: WorkerPort,
    private readonly start: StartMessage,
  ) {
    const b = start.facts.banner;
    this.bannerLine = `MicroPython v${b.version} on ${b.buildDate}; ${b.boardName} with ${b.mcuName}`;
    this.control = start.control ? new Int32Array(start.control) : undefined;
    this.instances = captureInstances(this.control !== undefined);
    this.modules = boardModulesSource(start.facts);
  }

  input(data: Uint8Array): void {
    for (const b of data) this.pending.push(b);
    this.pump();
  }

  async boot(kind: BootKind, files: readonly FsEntry[] | undefined): Promise<void> {
    let mp: MicroPythonWasm;
    try {
      mp = await loadMicroPython({
        stdout: (d) => {
          for (const b of d) this.output(b);
        },
        linebuffer: false,
        ...(this.start.heapBytes ? { heapsize: this.start.heapBytes } : {}),
        ...(this.start.wasmUrl ? { url: this.start.wasmUrl } : {}),
      });
    } catch (e) {
      this.send(`\r\nvirtual board: MicroPython did not load: ${e instanceof Error ? e.message : String(e)}\r\n`);
      return;
    }
    this.shareMemory(mp);
    clearEmscriptenDirs(mp.FS);
    if (files) {
      restoreFiles(mp.FS, files);
    } else {
      this.send('Performing initial setup\r\n');
      restoreFiles(mp.FS, FIRST_BOOT_FILES);
      this.persist(mp);
    }
    this.watchFileWrites(mp);
    this.installBoard(mp);
    this.live = true;
    const wantsSoftReset = this.busy(() => this.runBootScripts(mp, kind !== 'soft-raw'));
    this.flush();
    this.live = false;
    if (wantsSoftReset) return this.softReboot(mp);
    mp.replInit();
    if (kind === 'soft-raw') {
      mp.replProcessChar(CTRL_A);
      this.out = [];
      this.mp = mp;
      this.live = true;
      this.send(RAW_PROMPT_TAIL);
    } else {
      // The port starts its banner with a blank line; the ESP32 firmware does not.
      const text = this.takeOutput().replace(/^\r\n/, '');
      this.mp = mp;
      this.live = true;
      this.send(text);
    }
    this.pump();
  }

  private runBootScripts(mp: MicroPythonWasm, friendly: boolean): boolean {
    const run = (path: string): boolean => {
      try {
        return mp.runPython(`_vboard_run_file(${JSON.stringify(path)})`) === 1;
      } catch {
        // An interrupt that landed between the script's end and the helper's return: nothing to do.
        return false;
      }
    };
    if (run('boot.py')) return true;
    return friendly && run('main.py');
  }

  /** Learns where KeyboardInterrupt is raised and tells the board thread (only with shared memory). */
  private shareMemory(mp: MicroPythonWasm): void {
    const memory = this.instances.memory();
    if (!this.control || !memory || !(memory.buffer instanceof SharedArrayBuffer)) return;
    // The words are static variables: the same in every instance of the same binary.
    const words = learnInterruptWords(memory, () => mp._module._mp_sched_keyboard_interrupt(), this.words);
    if (!words) return;
    this.memory = new Int32Array(memory.buffer);
    this.words = words;
    this.port.post({ type: 'memory', memory: memory.buffer, words });
  }

  private installBoard(mp: MicroPythonWasm): void {
    const lazy: Record<string, string> = {};
    for (const [name, source] of Object.entries(this.modules.lazy)) lazy[`module_${name}`] = source;
    mp.registerJsModule('_vboard', {
      ...lazy,
      source: this.modules.core,
      sleep_ms: (ms: number) => this.sleep(ms),
      pin_write: (pin: number, level: number) => this.pinWrite(pin, level ? 1 : 0),
      pin_level: (pin: number) => this.pins.get(pin) ?? -1,
      pin_input: (pin: number) => this.slot(CTL_INPUT, pin),
      analog: (pin: number) => this.slot(CTL_ANALOG, pin),
      reset: (kind: string, ms: number) => this.restart(kind === 'deepsleep' ? 'deepsleep' : 'hard', ms),
      fs_used: () => {
        this.persist(mp);
        return this.lastRecord?.length ?? 0;
      },
    });
    mp.runPython(`import _vboard\nexec(_vboard.source, {'__name__': 'board'})\n${RUN_FILE}\ndel _vboard`);
  }

  private slot(base: number, pin: number): number {
    if (!this.control || pin < 0 || pin >= 64) return -1;
    return Atomics.load(this.control, base + pin);
  }

  private pinWrite(pin: number, level: 0 | 1): void {
    if (this.pins.get(pin) === level) return;
    this.pins.set(pin, level);
    this.flush();
    this.port.post({ type: 'pin', pin, level });
  }

  /** A sleep that waits without spinning and that the board thread's Ctrl-C wakes (the VM then raises). */
  private sleep(ms: number): void {
    this.flush();
    if (ms <= 0) return;
    const c = this.control;
    if (!c) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        // No shared memory (a page without cross-origin isolation): nothing else can wake us.
      }
      return;
    }
    const end = Date.now() + ms;
    const wake = Atomics.load(c, CTL_WAKE);
    for (;;) {
      // An exception already pending (Ctrl-C) is raised as soon as this returns.
      if (this.memory && this.words && Atomics.load(this.memory, this.words.pendingIndex) !== 0) return;
      const left = end - Date.now();
      if (left <= 0) return;
      // The board thread bumps CTL_WAKE with each Ctrl-C: a changed value means "stop sleeping".
      if (Atomics.wait(c, CTL_WAKE, wake, left) !== 'timed-out') return;
    }
  }

  private restart(kind: 'hard' | 'deepsleep', sleepMs: number): void {
    this.flush();
    this.port.post({ type: 'reset', kind, sleepMs });
    // The chip restarts: nothing after machine.reset() runs. The board thread ends this worker.
    if (this.control) for (;;) Atomics.wait(this.control, CTL_BUSY, Atomics.load(this.control, CTL_BUSY));
    for (;;) {
      // Without shared memory there is no way to block: spin until terminated.
    }
  }

  /** Marks the interpreter busy, so Ctrl-C from the board thread becomes an interrupt instead of input. */
  private busy<T>(fn: () => T): T {
    this.settleInterrupt();
    const c = this.control;
    if (c) Atomics.store(c, CTL_BUSY, 1);
    try {
      return fn();
    } finally {
      if (c) Atomics.store(c, CTL_BUSY, 0);
      this.settleInterrupt();
    }
  }

  /**
   * An interrupt raised just as the interpreter went idle finds no code to stop: take it back and
   * treat the Ctrl-C as typed, as the board's REPL would have received it.
   */
  private settleInterrupt(): void {
    const c = this.control;
    if (!c || Atomics.exchange(c, CTL_INTERRUPTED, 0) === 0) return;
    if (this.memory && this.words && withdrawKeyboardInterrupt(this.memory, this.words)) this.pending.unshift(CTRL_C);
  }

  private pump(): void {
    while (this.mp && this.pending.length > 0) {
      const b = this.pending.shift()!;
      this.step(b);
    }
    this.flush();
    // What the REPL wrote without closing (open(...).write(...)) reaches flash too.
    if (this.mp && this.unsaved) this.persist(this.mp);
    this.port.post({ type: 'idle' });
  }

  private step(b: number): void {
    if (this.paste) return this.pasteByte(b);
    if (this.probe.length > 0 || (this.mode === 'raw' && this.atRawPrompt && b === CTRL_E)) return this.probeByte(b);
    this.feed(b);
  }

  private feed(b: number): void {
    const mp = this.mp!;
    if (this.mode === 'raw') this.atRawPrompt = false;
    if (this.busy(() => mp.replProcessChar(b)) !== 0) this.softReboot(mp);
  }

  /** Collects `\x05 A \x01`; anything else goes to the interpreter as typed. */
  private probeByte(b: number): void {
    this.probe.push(b);
    const [e, a, one] = this.probe;
    if (this.probe.length === 2 && a === 0x41) return;
    if (this.probe.length === 3 && e === CTRL_E && a === 0x41 && one === CTRL_A) {
      this.probe = [];
      this.flush();
      if (this.start.rawPaste) {
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
    this.flush();
    // End of paste acknowledged with \x04 (no OK), then the usual "stdout \x04 stderr \x04 >".
    this.sendBytes(new Uint8Array([CTRL_D]));
    for (const c of paste.code) this.feed(c);
    this.dropOk = 2;
    this.feed(CTRL_D);
    this.dropOk = 0;
  }

  private softReboot(mp: MicroPythonWasm): void {
    this.flush();
    this.send('MPY: soft reboot\r\n');
    const files = snapshotFiles(mp.FS);
    this.persist(mp, files);
    this.mp = undefined;
    this.live = false;
    this.probe = [];
    void this.boot(this.mode === 'raw' ? 'soft-raw' : 'soft-friendly', files);
  }

  /** One byte of interpreter output. */
  private output(b: number): void {
    if (this.dropOk > 0) {
      if (b === (this.dropOk === 2 ? 0x4f : 0x4b)) {
        this.dropOk--;
        return;
      }
      this.dropOk = 0;
    }
    this.out.push(b);
    if (this.live && (b === 0x0a || this.out.length >= OUTPUT_CHUNK)) this.flush();
  }

  /** The port writes its banner in pieces; it is replaced by the flashed image's only when whole. */
  private holdingBanner(): boolean {
    const text = String.fromCharCode(...this.out.slice(-160));
    const lineStart = text.lastIndexOf('\n') + 1;
    return text.indexOf('MicroPython v', lineStart) >= 0 || 'MicroPython v'.startsWith(text.slice(lineStart)) && text.length > lineStart;
  }

  private takeOutput(): string {
    let s = '';
    for (const b of this.out) s += String.fromCharCode(b);
    this.out = [];
    return s;
  }

  private flush(): void {
    if (this.out.length > 0) this.send(this.takeOutput());
  }

  /** Sends interpreter output (latin-1 string of bytes) as the flashed firmware would print it. */
  private send(text: string): void {
    let out = text.replace(PORT_BANNER_RE, this.bannerLine);
    out = out.replace(/\n/g, (_m, at: number) => {
      const before = at > 0 ? out[at - 1] : this.lastSent.slice(-1);
      return before === '\r' ? '\n' : '\r\n';
    });
    if (out.length === 0) return;
    // Prompts may arrive split over pieces: look at the end of what was sent before, too.
    const window = this.lastSent + out;
    const newFrom = this.lastSent.length;
    const raw = window.lastIndexOf(RAW_PROMPT_TAIL);
    if (raw >= 0 && raw + RAW_PROMPT_TAIL.length > newFrom) this.mode = 'raw';
    if (out.includes(this.bannerLine)) this.mode = 'friendly';
    if (this.mode === 'raw' && (window.endsWith('\x04>') || window.endsWith(RAW_PROMPT_TAIL))) this.atRawPrompt = true;
    const bytes = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) bytes[i] = out.charCodeAt(i);
    this.sendBytes(bytes);
  }

  private sendBytes(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.lastSent = (this.lastSent + String.fromCharCode(...bytes.subarray(-RAW_PROMPT_TAIL.length))).slice(-RAW_PROMPT_TAIL.length);
    this.port.post({ type: 'uart', data: bytes });
  }

  /** Files reach flash when a file closes or a directory entry changes, as LittleFS commits them. */
  private watchFileWrites(mp: MicroPythonWasm): void {
    const fs = mp.FS as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of FS_WRITES) {
      const original = fs[name];
      if (typeof original !== 'function') continue;
      fs[name] = (...args: unknown[]) => {
        const result = original.apply(mp.FS, args);
        this.persist(mp);
        return result;
      };
    }
    // Each write() of the interpreter's stdout leaves at once, as a UART sends it (a prompt like the
    // raw REPL's "OK" has no newline, and the code after it may run for ever).
    const write = fs['write'];
    if (typeof write === 'function') {
      fs['write'] = (...args: unknown[]) => {
        const result = write.apply(mp.FS, args);
        if (!(args[0] as { tty?: unknown } | undefined)?.tty) this.unsaved = true;
        if (this.live && !this.holdingBanner()) this.flush();
        return result;
      };
    }
  }

  private persist(mp: MicroPythonWasm, files?: readonly FsEntry[]): void {
    // Reading the files back goes through FS.close too.
    if (this.persisting) return;
    this.persisting = true;
    this.unsaved = false;
    let record: Uint8Array;
    try {
      record = encodeFs(files ?? snapshotFiles(mp.FS));
    } finally {
      this.persisting = false;
    }
    const last = this.lastRecord;
    if (last && last.length === record.length && last.every((v, i) => v === record[i])) return;
    this.lastRecord = record;
    this.port.post({ type: 'files', record });
  }
}
