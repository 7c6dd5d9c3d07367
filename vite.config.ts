import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Builds the web flasher (src/web/page) into dist/web, where `upyflash ui` serves it from. `base: './'`
 * keeps every asset URL relative so the page works from any path and from file-like hosts.
 */
const pageRoot = fileURLToPath(new URL('./src/web/page/', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/web/', import.meta.url));

export default defineConfig({
  root: pageRoot,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // MicroPython's wasm (~430 KB) is the big one; keep it a separate file rather than inlined base64.
    assetsInlineLimit: 4096,
    chunkSizeWarningLimit: 1500,
    sourcemap: true,
  },
  worker: { format: 'es' },
});
