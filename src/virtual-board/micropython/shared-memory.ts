/**
 * Makes the interpreter's linear memory shareable, so the board thread can raise KeyboardInterrupt in
 * a running loop exactly as the ESP32 port's UART interrupt does: by writing the pending exception and
 * the scheduler state (what mp_sched_keyboard_interrupt() writes). The package's wasm declares a
 * memory with a maximum (2 GiB); flipping its limits flag to "shared" is all a shared memory needs.
 * Which words to write is learnt from the interpreter itself: call mp_sched_keyboard_interrupt() once
 * while idle, see what changed, put it back.
 */
import type { InterruptWords } from './interpreter-protocol.js';

const MEMORY_SECTION = 5;
const LIMITS_MIN_MAX = 0x01;
const LIMITS_SHARED_MIN_MAX = 0x03;

/** A copy of the wasm binary whose memory is shared; undefined when the layout is not the expected one. */
export function withSharedMemory(wasm: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  const b = new Uint8Array(wasm);
  let p = 8;
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = b[p++]!;
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  };
  while (p < b.length) {
    const id = b[p++]!;
    const size = leb();
    const start = p;
    if (id === MEMORY_SECTION) {
      const count = leb();
      if (count !== 1 || b[p] !== LIMITS_MIN_MAX) return undefined;
      b[p] = LIMITS_SHARED_MIN_MAX;
      return b;
    }
    p = start + size;
  }
  return undefined;
}

/**
 * Wraps WebAssembly.instantiate/instantiateStreaming for the Emscripten loader: the first binary it
 * loads gets a shared memory, later loads (soft resets) reuse the compiled module.
 */
export function captureInstances(shared: boolean): { memory(): WebAssembly.Memory | undefined } {
  if (shared) allowSharedDecode();
  let compiled: WebAssembly.Module | undefined;
  let memory: WebAssembly.Memory | undefined;
  const original = WebAssembly.instantiate.bind(WebAssembly) as (
    source: BufferSource | WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => Promise<WebAssembly.WebAssemblyInstantiatedSource | WebAssembly.Instance>;
  const instantiate = async (
    source: BufferSource | WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ): Promise<WebAssembly.WebAssemblyInstantiatedSource> => {
    if (!compiled) {
      if (source instanceof WebAssembly.Module) compiled = source;
      else {
        const view = ArrayBuffer.isView(source)
          ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
          : new Uint8Array(source);
        // withSharedMemory copies; the copy is a plain ArrayBuffer-backed array either way.
        compiled = await WebAssembly.compile((shared ? withSharedMemory(view) : undefined) ?? view.slice());
      }
    }
    const instance = (await original(compiled, imports)) as WebAssembly.Instance;
    memory = instance.exports['memory'] as WebAssembly.Memory;
    return { module: compiled, instance };
  };
  const api = WebAssembly as unknown as Record<string, unknown>;
  api['instantiate'] = instantiate;
  api['instantiateStreaming'] = async (response: Response | PromiseLike<Response>, imports?: WebAssembly.Imports) =>
    instantiate(await (await response).arrayBuffer(), imports);
  return { memory: () => memory };
}

/**
 * Emscripten decodes strings straight from the heap; browsers' TextDecoder refuses views of shared
 * memory (Node accepts them), so those are copied first.
 */
function allowSharedDecode(): void {
  const proto = TextDecoder.prototype as { decode(input?: AllowSharedBufferSource, options?: TextDecodeOptions): string };
  const decode = proto.decode;
  proto.decode = function (this: TextDecoder, input?: AllowSharedBufferSource, options?: TextDecodeOptions): string {
    if (input && ArrayBuffer.isView(input) && input.buffer instanceof SharedArrayBuffer) {
      input = new Uint8Array(input.buffer, input.byteOffset, input.byteLength).slice();
    }
    return decode.call(this, input, options);
  };
}

/** Static data sits low in Emscripten's layout; look there before scanning the whole memory. */
const LOW_BYTES = 4 * 1024 * 1024;

/**
 * Calls `raise` (mp_sched_keyboard_interrupt) on an idle interpreter, records the words it wrote, and
 * undoes them. `known` (from an earlier instance of the same binary) is checked instead of searched.
 */
export function learnInterruptWords(memory: WebAssembly.Memory, raise: () => void, known?: InterruptWords): InterruptWords | undefined {
  const all = new Int32Array(memory.buffer);
  if (known) {
    const before = Atomics.load(all, known.pendingIndex);
    raise();
    if (Atomics.load(all, known.pendingIndex) === known.pendingValue) {
      Atomics.store(all, known.pendingIndex, before);
      if (known.schedIndex !== undefined) Atomics.store(all, known.schedIndex, known.schedIdle!);
      return known;
    }
    return undefined;
  }
  for (const length of [Math.min(all.length, LOW_BYTES / 4), all.length]) {
    const view = all.subarray(0, length);
    const before = view.slice();
    raise();
    const changed: [number, number, number][] = [];
    for (let i = 0; i < length; i++) if (before[i] !== view[i]) changed.push([i, before[i]!, view[i]!]);
    for (const [i, old] of changed) view[i] = old;
    // The scheduler's state goes idle (1) -> pending (0); the other word is the exception pointer.
    const sched = changed.find(([, from, to]) => from === 1 && to === 0);
    const pending = changed.filter((c) => c !== sched);
    if (pending.length !== 1) continue;
    const [pendingIndex, , pendingValue] = pending[0]!;
    return sched
      ? { pendingIndex, pendingValue, schedIndex: sched[0], schedIdle: sched[1], schedPending: sched[2] }
      : { pendingIndex, pendingValue };
  }
  return undefined;
}

/**
 * What mp_sched_keyboard_interrupt() does, from another thread: clear the exception's old traceback,
 * set it pending, and move the scheduler from idle to pending (left alone when locked: it looks at the
 * pending exception when it unlocks).
 */
export function raiseKeyboardInterrupt(memory: Int32Array, words: InterruptWords): void {
  // mp_obj_exception_t on wasm32: base, traceback_alloc|len, traceback_data, args.
  Atomics.store(memory, (words.pendingValue + 8) >> 2, 0);
  Atomics.store(memory, words.pendingIndex, words.pendingValue);
  if (words.schedIndex !== undefined) Atomics.compareExchange(memory, words.schedIndex, words.schedIdle!, words.schedPending!);
}

/** Takes back an interrupt nobody consumed (it arrived as the interpreter went idle). */
export function withdrawKeyboardInterrupt(memory: Int32Array, words: InterruptWords): boolean {
  const was = Atomics.compareExchange(memory, words.pendingIndex, words.pendingValue, 0);
  if (was !== words.pendingValue) return false;
  if (words.schedIndex !== undefined) Atomics.compareExchange(memory, words.schedIndex, words.schedPending!, words.schedIdle!);
  return true;
}
