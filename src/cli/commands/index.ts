import type { Command } from 'commander';

/**
 * Each verb lives in its own module and registers itself here. One line per module, in the order
 * `upyflash --help` lists them.
 */
type Register = (program: Command) => void;

export async function registerAll(program: Command): Promise<void> {
  const modules: Array<Promise<{ register: Register }>> = [
    // flasher verbs: flash, erase, detect, verify, read-flash, image-info, ports, virtual-board, serve, demo
    import('./flash.js'),
    import('./erase.js'),
    import('./detect.js'),
    import('./verify.js'),
    import('./read-flash.js'),
    import('./image-info.js'),
    import('./merge-bin.js'),
    import('./erase-region.js'),
    import('./read-mac.js'),
    import('./ports.js'),
    import('./doctor.js'),
    import('./virtual-board.js'),
    import('./serve.js'),
    import('./demo.js'),
    // firmware: firmware list / download
    import('./firmware.js'),
    // after the flash: repl, run, fs
    import('./repl.js'),
    import('./run.js'),
    import('./fs.js'),
    // next steps: libraries, Wi-Fi, examples
    import('./mip.js'),
    import('./wifi.js'),
    import('./examples.js'),
    import('./ui.js'),
  ];
  for (const m of await Promise.all(modules)) m.register(program);
}
