/**
 * zlib-wrapped deflate (what FLASH_DEFL_* expects), behind one small type so the flasher runs in Node
 * (node:zlib, with a chosen level: see node/deflate.ts) and in the browser (CompressionStream, whose
 * 'deflate' format is the zlib wrapping).
 */
export type Deflate = (data: Uint8Array) => Promise<Uint8Array>;

export const compressionStreamDeflate: Deflate = async (data) => {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
};
