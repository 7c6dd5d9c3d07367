import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Builds the web flasher (src/web/page) into dist/web, where `upyflash ui` serves it from. `base: './'`
 * keeps every asset URL relative so the page works from any path and from file-like hosts.
 */
const pageRoot = fileURLToPath(new URL('./src/web/page/', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/web/', import.meta.url));

// The demo board's MicroPython worker needs SharedArrayBuffer (Ctrl-C, sleeps): cross-origin isolation,
// as `upyflash ui` serves the page.
const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

export default defineConfig({
  root: pageRoot,
  server: { headers: isolation },
  preview: { headers: isolation },
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
    rollupOptions: {
      onwarn(warning, warn) {
        // MicroPython's Emscripten loader imports fs/path/url/module only on its Node branch; the
        // browser never takes it, so Vite's "externalized for browser compatibility" notes are noise.
        const externalized = warning.plugin === 'vite:resolve' && /externalized for browser compatibility/.test(warning.message);
        if (externalized && /micropython-webassembly-pyscript/.test(warning.message)) return;
        // Anywhere else it means browser code imports a Node-only module: fail the build, naming the chain's end.
        if (externalized) throw new Error(`The web page pulls in Node-only code: ${warning.message}`);
        warn(warning);
      },
    },
  },
  worker: { format: 'es' },
});
