/**
 * How small the wire gets: zlib at levels 1, 6 and 9 (node:zlib, memLevel 9, what a flash job uses) and
 * zopfli (one iteration, what `firmware download` keeps in the cache), with the time each takes, on
 * the bench's sample image and on real MicroPython code: the micropython.wasm that the
 * @micropython/micropython-webassembly-pyscript package ships (the same interpreter, compiled for
 * WebAssembly instead of Xtensa; no ESP32 build can be fetched here). The sample image is synthetic
 * and compresses like noise of a given ratio, so only real code shows what zopfli's better matching buys.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import { zopfliDeflate } from '../src/platform/node/zopfli.js';

export interface CompressionRow {
  name: string;
  bytes: number;
  method: string;
  compressedBytes: number;
  ratio: number;
  seconds: number;
}

export async function compressionBench(sample: Uint8Array, outFile: string): Promise<CompressionRow[]> {
  const wasmPath = createRequire(import.meta.url).resolve('@micropython/micropython-webassembly-pyscript/micropython.wasm');
  const inputs: [string, Uint8Array][] = [
    ['sample image (synthetic)', sample],
    ['micropython.wasm (real code)', new Uint8Array(await readFile(wasmPath))],
  ];
  const rows: CompressionRow[] = [];
  console.log('\ncompression: bytes on the wire for the same data (smaller is faster at every baud)');
  for (const [name, data] of inputs) {
    for (const level of [1, 6, 9]) {
      const t = performance.now();
      const n = deflateSync(data, { level, memLevel: 9 }).length;
      rows.push(row(name, data, `zlib -${level}`, n, t));
    }
    const t = performance.now();
    const z = await zopfliDeflate(data);
    rows.push(row(name, data, 'zopfli (1 iteration)', z.length, t));
  }
  for (const r of rows) {
    const base = rows.find((b) => b.name === r.name && b.method === 'zlib -9')!;
    const vs = r.method === 'zlib -9' ? '' : `  (${(((r.compressedBytes - base.compressedBytes) / base.compressedBytes) * 100).toFixed(1)} % vs zlib -9)`;
    console.log(`  ${r.name.padEnd(30)} ${r.method.padEnd(22)} ${String(r.compressedBytes).padStart(8)} of ${r.bytes}  ${r.seconds.toFixed(2)} s${vs}`);
  }
  await writeFile(outFile, JSON.stringify(rows, null, 2) + '\n');
  console.log(`wrote ${outFile}`);
  return rows;
}

function row(name: string, data: Uint8Array, method: string, compressedBytes: number, started: number): CompressionRow {
  return { name, bytes: data.length, method, compressedBytes, ratio: compressedBytes / data.length, seconds: (performance.now() - started) / 1000 };
}
