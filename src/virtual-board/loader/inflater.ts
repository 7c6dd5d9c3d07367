import { Unzlib } from 'fflate';
import { concatBytes } from '../../platform/bytes.js';

/**
 * Streaming zlib inflate for FLASH_DEFL_DATA: compressed blocks arrive one by one and their output is
 * written as it appears, as the loaders do. Browser-safe (fflate), unlike node:zlib.
 */
export class StreamInflater {
  private readonly z: Unzlib;
  private produced: Uint8Array[] = [];
  private failed = false;

  constructor() {
    this.z = new Unzlib((chunk) => {
      if (chunk.length > 0) this.produced.push(chunk);
    });
  }

  /** Feeds compressed bytes; returns the bytes they decompress to, or undefined if the stream is corrupt. */
  push(data: Uint8Array): Uint8Array | undefined {
    if (this.failed) return undefined;
    try {
      this.z.push(data, false);
    } catch {
      this.failed = true;
      return undefined;
    }
    const out = concatBytes(this.produced);
    this.produced = [];
    return out;
  }
}
