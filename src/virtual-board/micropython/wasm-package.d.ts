/**
 * Types for the part of @micropython/micropython-webassembly-pyscript the virtual board uses (the
 * package ships no declarations). Only the REPL entry points and the Emscripten FS calls we need.
 */
declare module '@micropython/micropython-webassembly-pyscript' {
  export interface EmscriptenStat {
    mode: number;
    size: number;
  }
  export interface EmscriptenFs {
    readdir(path: string): string[];
    stat(path: string): EmscriptenStat;
    lstat(path: string): EmscriptenStat;
    isDir(mode: number): boolean;
    isFile(mode: number): boolean;
    mkdir(path: string): void;
    rmdir(path: string): void;
    unlink(path: string): void;
    readFile(path: string): Uint8Array;
    writeFile(path: string, data: Uint8Array): void;
  }
  export interface MicroPythonWasm {
    FS: EmscriptenFs;
    /** The Emscripten module; the exports the virtual board calls directly. */
    _module: { _mp_sched_keyboard_interrupt(): void };
    /** Makes a JS object importable from Python under `name`. */
    registerJsModule(name: string, module: object): void;
    /** Runs Python source in __main__; throws a PythonError for an uncaught exception. */
    runPython(code: string): unknown;
    replInit(): void;
    /** Returns non-zero when the REPL asks its host to exit (soft reset with Ctrl-D). */
    replProcessChar(chr: number): number;
  }
  export function loadMicroPython(options: {
    stdout?: (data: Uint8Array) => void;
    stderr?: (data: Uint8Array) => void;
    linebuffer?: boolean;
    heapsize?: number;
    pystack?: number;
    url?: string;
  }): Promise<MicroPythonWasm>;
}
