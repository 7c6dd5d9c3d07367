/**
 * A verified write never ends in a connection error's exit code: when the link fails after the MD5
 * matched (here: the server in front of the board takes no second connection, so the reopen for the
 * boot check is refused), `flash` reports "written and verified; boot not checked" with its own code
 * (E068) and exit code 8, instead of E016 and exit 3.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ESP32 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

const dir = await mkdtemp(join(tmpdir(), 'upyflash-bootnc-'));
after(() => rm(dir, { recursive: true, force: true }));

/** A TCP relay to `upstream` that serves its first client and hangs up on every later one. */
async function oneConnectionRelay(upstream: number): Promise<{ port: number; close(): Promise<void> }> {
  let served = 0;
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    sockets.push(client);
    if (served++ > 0) {
      client.destroy();
      return;
    }
    const board = connect(upstream, '127.0.0.1');
    sockets.push(board);
    client.pipe(board).pipe(client);
    const end = () => {
      client.destroy();
      board.destroy();
    };
    client.on('error', end).on('close', end);
    board.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('the link fails after "Verified": exit 8, E068 with the reason, not a connection error', async () => {
  const fw = join(dir, 'ESP32_GENERIC-test.bin');
  await writeFile(fw, buildSampleFirmware({ chip: ESP32, appBytes: 60_000 }));
  const board = await startBoardProcess();
  const relay = await oneConnectionRelay(Number(board.hostPort.split(':')[1]));
  try {
    const run = await runCli(['--json', 'flash', fw, '--port', `rfc2217://127.0.0.1:${relay.port}`], { timeoutMs: 120_000 });
    assert.equal(run.code, 8, describeRun(run));
    const doc = cliJson<{ verified: boolean; bootNotChecked?: { code: string; message: string } }>(run);
    assert.equal(doc.result?.verified, true);
    assert.equal(doc.result?.bootNotChecked?.code, 'E068');
    assert.match(doc.result?.bootNotChecked?.message ?? '', /^Written and verified; boot not checked: .*\(E0[012]\w\)$/);
  } finally {
    await relay.close();
    await board.stop();
  }
});
