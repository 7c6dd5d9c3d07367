/**
 * How the board thread and the thread running MicroPython talk. The interpreter runs in a worker
 * (node:worker_threads in Node, a Web Worker in a page) because it executes synchronously: a
 * `while True:` loop would otherwise freeze the board, and Ctrl-C could never reach it. Messages carry
 * UART bytes, file-system records and pin levels; a small SharedArrayBuffer ("control") carries what
 * must arrive while Python is busy: Ctrl-C, the wake-up of a sleeping `time.sleep`, input pin levels
 * and ADC readings. Browser-safe: no Node or DOM types here.
 */
import type { MicroPythonBanner } from '../../image/banner.js';
import type { FsEntry } from './fs-image.js';

/** Int32 slots of the control buffer. */
export const CTL_BUSY = 0;
/** Set by the board thread after it raised KeyboardInterrupt inside a busy interpreter. */
export const CTL_INTERRUPTED = 1;
/** Atomics.notify target that cuts a sleep short. */
export const CTL_WAKE = 2;
/** Input level of GPIO n at CTL_INPUT + n: -1 = not driven by the host. */
export const CTL_INPUT = 8;
/** ADC reading of GPIO n at CTL_ANALOG + n: -1 = none set. */
export const CTL_ANALOG = CTL_INPUT + 64;
export const CTL_SLOTS = CTL_ANALOG + 64;

/** Which words mp_sched_keyboard_interrupt() writes, learnt by the worker from the interpreter itself. */
export interface InterruptWords {
  /** Int32 index of MP_STATE_MAIN_THREAD(mp_pending_exception). */
  pendingIndex: number;
  /** The value it gets: the address of the preallocated KeyboardInterrupt. */
  pendingValue: number;
  /** Int32 index of MP_STATE_VM(sched_state), moved from idle to pending (undefined without a scheduler). */
  schedIndex?: number;
  schedIdle?: number;
  schedPending?: number;
}

export interface BoardFacts {
  banner: MicroPythonBanner;
  /** 'esp32' or 'esp8266': what os.uname().sysname says (every ESP32-family build says 'esp32'). */
  sysname: string;
  chipName: string;
  mac: number[];
  flashSize: number;
  cpuHz: number;
  /** machine.reset_cause() value of this boot. */
  resetCause: number;
  /** Bytes of flash that hold the filesystem (os.statvfs reports them); 0 when there is none. */
  fsBytes: number;
  /** The access points in range of the board's radio (network.WLAN); undefined: the firmware has no radio. */
  radio?: RadioFacts;
}

export interface VirtualAccessPoint {
  ssid: string;
  /** '' for an open network. */
  password: string;
  /** Signal in dBm, as scan() reports it. */
  rssi: number;
  channel: number;
}

export interface RadioFacts {
  accessPoints: VirtualAccessPoint[];
}

export interface StartMessage {
  type: 'start';
  facts: BoardFacts;
  /** Undefined: no filesystem in flash yet (the board formats it and writes boot.py). */
  files: FsEntry[] | undefined;
  rawPaste: boolean;
  heapBytes?: number;
  wasmUrl?: string;
  /** Undefined where SharedArrayBuffer is unavailable (a page without cross-origin isolation). */
  control?: SharedArrayBuffer;
}

export type ToWorker = StartMessage | { type: 'input'; data: Uint8Array };

export type FromWorker =
  | { type: 'uart'; data: Uint8Array }
  | { type: 'files'; record: Uint8Array }
  | { type: 'pin'; pin: number; level: 0 | 1 }
  | { type: 'memory'; memory: SharedArrayBuffer; words: InterruptWords }
  | { type: 'idle' }
  | { type: 'reset'; kind: 'hard' | 'deepsleep'; sleepMs?: number };

/** The board thread's end of a worker. */
export interface WorkerLink {
  post(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  onError(listener: (error: Error) => void): void;
  terminate(): void;
}

/** The worker's end. */
export interface WorkerPort {
  post(message: FromWorker): void;
  onMessage(listener: (message: ToWorker) => void): void;
}

/**
 * Starts interpreter workers. Node: src/virtual-board/node/interpreter-host.ts (worker_threads);
 * browsers: web-worker-host.ts (Web Worker). Both run the same worker code (interpreter-worker.ts).
 */
export interface InterpreterHost {
  spawn(): WorkerLink;
}
