import zopfli from '@gfx/zopfli';
import type { Deflate } from '../deflate.js';

/**
 * Zopfli's zlib streams: valid deflate the stub's inflater takes like any other, 5-7 % smaller than
 * zlib at level 9 on compiled code (bench --compression), and about a hundred times slower (seconds
 * per megabyte). So it is never on a flash job's path: `upyflash firmware download` makes the stream
 * ahead of time and the cache keeps it (flasher/compressed-cache.ts). One iteration: more buy < 0.2 %.
 */
export const zopfliDeflate: Deflate = async (data) => new Uint8Array(await zopfli.zlibAsync(data, { numiterations: 1 }));
