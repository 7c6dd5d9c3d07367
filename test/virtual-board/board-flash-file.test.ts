import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { ManualClock } from '../../src/virtual-board/manual-clock.js';
import { fileFlashStore } from '../../src/virtual-board/node/flash-file.js';
import { projectRoot } from '../../harness/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'vboard-flash-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('virtual board: flash file', () => {
  it('creates a missing file as an erased flash of the full size', () => {
    const path = join(dir, 'new.bin');
    assert.equal(existsSync(path), false);
    const board = new VirtualBoard({ chip: 'esp8266', flashBytes: 512 * 1024, store: fileFlashStore(path), clock: new ManualClock() });
    const file = readFileSync(path);
    assert.equal(file.length, 512 * 1024);
    assert.ok(file.every((b) => b === 0xff));
    board.close();
  });

  it('grows a short file to the flash size and keeps what it held', () => {
    const path = join(dir, 'short.bin');
    writeFileSync(path, Uint8Array.of(1, 2, 3, 4));
    const board = new VirtualBoard({ chip: 'esp32', flashBytes: 64 * 1024, store: fileFlashStore(path), clock: new ManualClock() });
    assert.deepEqual(board.flash.read(0, 6), Uint8Array.of(1, 2, 3, 4, 0xff, 0xff));
    const file = readFileSync(path);
    assert.equal(file.length, 64 * 1024);
    assert.deepEqual(new Uint8Array(file.subarray(0, 6)), Uint8Array.of(1, 2, 3, 4, 0xff, 0xff));
    board.close();
  });

  it('holds what an application wrote when its process is ended by SIGTERM', { skip: process.platform === 'win32' && 'Windows has no SIGTERM to deliver: it terminates the process without a signal' }, () => {
    const path = join(dir, 'sigterm.bin');
    const url = (p: string) => pathToFileURL(join(projectRoot, 'dist', p)).href;
    // The child boots nothing (erased flash): it writes through the application's flash view, which
    // is what MicroPython's filesystem does, then is killed before it could close the board.
    const script = `
      import { VirtualBoard } from ${JSON.stringify(url('src/virtual-board/board.js'))};
      import { fileFlashStore } from ${JSON.stringify(url('src/virtual-board/node/flash-file.js'))};
      import { buildEspImage } from ${JSON.stringify(url('src/image/esp-image-writer.js'))};
      const image = buildEspImage({ format: 'esp32', flashMode: 2, flashSizeCode: 2, flashFreqCode: 0, entry: 0x40080400,
        extended: { chipId: 0 }, segments: [{ loadAddress: 0x3fff0030, data: new Uint8Array(16) }] });
      const store = fileFlashStore(${JSON.stringify(path)});
      // First life: put an image in the flash so that the app boots.
      const first = new VirtualBoard({ chip: 'esp32', flashBytes: 1 << 20, store, linkModel: false, flashTiming: false });
      first.flash.program(0x1000, image);
      first.close();
      const board = new VirtualBoard({ chip: 'esp32', flashBytes: 1 << 20, store, linkModel: false, flashTiming: false, resetDelayMs: 1,
        app: (ctx) => ({ input: () => {}, stop: () => {}, ...(ctx.flash.write(0x80000, new TextEncoder().encode('kept across SIGTERM')), {}) }) });
      setTimeout(() => process.kill(process.pid, 'SIGTERM'), 50);
      setTimeout(() => {}, 10000);
    `;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
    assert.equal(res.signal, 'SIGTERM', res.stderr);
    const file = readFileSync(path);
    assert.equal(file.length, 1 << 20);
    assert.equal(file.subarray(0x80000, 0x80000 + 19).toString('latin1'), 'kept across SIGTERM');
    assert.equal(file[0x1000], 0xe9, 'the image from the first life is there too');
  });
});
