/**
 * `firmware download` compresses the app ahead of time (zopfli) and keeps the stream in the cache
 * folder; the next `flash` of that file sends the kept stream instead of compressing again, and the
 * board still ends up with exactly the file's bytes, verified. A damaged kept stream is not used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBoardProcess } from '../../harness/board-process.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { startSiteServer } from '../fixtures/site/site-server.js';

const cleanup = cleanupAfterAll();

interface FlashOut {
  verified: boolean;
  compressedBytes: number;
  written: { offset: number; length: number }[];
}

test('download keeps a zopfli stream of the app; flash sends it, verified; a damaged one is ignored', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-precompress-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const site = await startSiteServer();
  cleanup(() => site.close());
  const env = { ...process.env, UPYFLASH_CACHE_DIR: join(dir, 'cache'), UPYFLASH_BASE_URL: '' };
  const fw = join(dir, 'esp32.bin');

  const dl = await runCli(['--json', 'firmware', 'download', '--chip', 'esp32', '-o', fw, '--base-url', site.baseUrl], { env });
  assert.equal(dl.code, 0, describeRun(dl));
  const packed = cliJson<{ precompressed: { offset: number; bytes: number; zlibBytes: number; storedBytes: number } }>(dl).result!.precompressed;
  assert.equal(packed.offset, 0x10000, 'the app body, from the first 64 KiB block');
  assert.ok(packed.storedBytes <= packed.zlibBytes, `zopfli ${packed.storedBytes} vs zlib ${packed.zlibBytes}`);
  assert.deepEqual(await readdir(join(dir, 'cache', 'deflate')).then((f) => f.filter((n) => n.endsWith('.zz')).length), 1);

  const flashOnce = async (cacheDir: string): Promise<FlashOut> => {
    const board = await startBoardProcess();
    cleanup(async () => void (await board.stop()));
    const r = await runCli(['--json', 'flash', fw, '--port', board.rfc2217, '--no-boot-check', '--after', 'no-reset'], {
      env: { ...env, UPYFLASH_CACHE_DIR: cacheDir },
    });
    assert.equal(r.code, 0, describeRun(r));
    return cliJson<FlashOut>(r).result!;
  };
  const kept = await flashOnce(join(dir, 'cache'));
  assert.equal(kept.verified, true);
  const fresh = await flashOnce(join(dir, 'empty-cache'));
  assert.equal(fresh.verified, true);
  // Same regions written; the kept stream is what made the difference on the wire.
  assert.deepEqual(kept.written, fresh.written);
  assert.equal(fresh.compressedBytes - kept.compressedBytes, packed.zlibBytes - packed.storedBytes);

  // A kept stream that no longer inflates to the app is passed over: the job compresses again.
  const [name] = (await readdir(join(dir, 'cache', 'deflate'))).filter((n) => n.endsWith('.zz'));
  const file = join(dir, 'cache', 'deflate', name!);
  const damaged = new Uint8Array(await readFile(file));
  damaged[damaged.length >> 1] ^= 0x55;
  await writeFile(file, damaged);
  const afterDamage = await flashOnce(join(dir, 'cache'));
  assert.equal(afterDamage.verified, true);
  assert.equal(afterDamage.compressedBytes, fresh.compressedBytes);
});
