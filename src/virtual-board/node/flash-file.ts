import { existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { UpyflashError } from '../../errors.js';
import type { FlashStore } from '../flash-memory.js';

/**
 * The virtual board's flash as a plain binary file the size of the flash, like an emulator's drive
 * image: created 0xFF-filled (erased NOR) when missing, and written through synchronously on every
 * save, so the file holds the current contents whenever the process exits, by a signal too. The
 * board flushes its flash after every loader packet and timed flash operation.
 */
export function fileFlashStore(path: string): FlashStore {
  let fd: number | undefined;

  const open = (): number => {
    if (fd !== undefined) return fd;
    try {
      fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    } catch (cause) {
      throw new UpyflashError('FILE_ERROR', `Cannot open the flash file ${path}`, { cause, details: { path } });
    }
    return fd;
  };

  return {
    load(size: number): Uint8Array {
      const handle = open();
      const data = new Uint8Array(size).fill(0xff);
      const have = fstatSync(handle).size;
      let at = 0;
      const want = Math.min(size, have);
      while (at < want) {
        const n = readSync(handle, data, at, want - at, at);
        if (n === 0) break;
        at += n;
      }
      // A new file, or one made for a smaller flash: bring it to full size with erased bytes now,
      // so the file on disk is always the whole flash.
      if (have < size) writeAll(handle, data.subarray(have), have);
      return data;
    },
    save(data: Uint8Array, dirty: { offset: number; length: number }[]): void {
      const handle = open();
      for (const r of dirty) writeAll(handle, data.subarray(r.offset, r.offset + r.length), r.offset);
    },
  };
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

