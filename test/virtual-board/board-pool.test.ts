import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pooledBoardUrls, startBoardProcess, type BoardProcess } from '../../harness/board-process.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { runCli } from '../../harness/cli-run.js';
import { freePort } from '../../harness/tcp-listen.js';

const cleanup = cleanupAfterAll();

describe('virtual-board --count', () => {
  it('serves 3 boards on consecutive ports, each with its own flash file and MAC; the silent one gives E010', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upyflash-pool-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const flashDir = join(dir, 'flash');
    let board: BoardProcess | undefined;
    let base = 0;
    // A later --listen wins over the harness's 127.0.0.1:0; retry in the rare case a neighbour port is taken.
    for (let attempt = 0; attempt < 3 && !board; attempt++) {
      base = await freePort();
      board = await startBoardProcess({
        args: ['--listen', `127.0.0.1:${base}`, '--count', '3', '--misbehave', '3:silent', '--flash', flashDir],
      }).catch(() => undefined);
    }
    assert.ok(board, 'the pool started');
    cleanup(async () => void (await board.stop()));
    const urls = await pooledBoardUrls(board, 3);
    assert.deepEqual(urls, [0, 1, 2].map((i) => `rfc2217://127.0.0.1:${base + i}`));

    // All three at once: a board that is busy (or silent) must not hold up the others.
    const [one, two, three] = await Promise.all(urls.map((url) => runCli(['detect', '--port', url], { timeoutMs: 90_000 })));
    for (const r of [one!, two!]) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /MAC: /);
    }
    const mac = (out: string) => /MAC: ([0-9a-f:]+)/.exec(out)?.[1];
    assert.notEqual(mac(one!.stdout), mac(two!.stdout), 'each board has its own MAC');
    assert.notEqual(three!.code, 0);
    assert.match(three!.stderr, /E010/);

    assert.equal(await board.stop(), 0);
    for (const i of [1, 2, 3]) {
      const file = join(flashDir, `board-${i}.bin`);
      assert.ok(existsSync(file), `${file} kept`);
      assert.equal(statSync(file).size, 4 * 1024 * 1024);
    }
  });

  it('rejects a --misbehave for a board that does not exist', async () => {
    const r = await runCli(['virtual-board', '--listen', '127.0.0.1:0', '--count', '2', '--misbehave', '3:silent'], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--misbehave 3:silent/);
  });
});
