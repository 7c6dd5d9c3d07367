/**
 * `upyflash flash` against `upyflash virtual-board --fault stray-write[:N|always]` in another process,
 * over rfc2217://: a write that also lands bytes in a sector the job skipped never ends in success over
 * a wrong flash (issue 20). The flash file the board leaves behind is the ground truth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

interface FlashDoc {
  verified: boolean;
  stub: boolean;
  skippedBytes: number;
  retries: number;
}

const image = buildSampleFirmware({ chip: ESP32, appBytes: 300_000, version: '1.26.1', seed: 11 });

const cases: { fault: string; stub: boolean; mayFail: boolean }[] = [
  { fault: 'stray-write', stub: true, mayFail: false },
  { fault: 'stray-write:always', stub: true, mayFail: true },
  { fault: 'stray-write:always', stub: false, mayFail: false },
];

for (const c of cases) {
  test(`flash ${c.stub ? '' : '--no-stub '}onto a board with --fault ${c.fault}: verified only when the flash holds the image`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upyflash-final-check-'));
    const flashFile = join(dir, 'flash.img');
    const fw = join(dir, 'ESP32_GENERIC-v1.26.1.bin');
    await writeFile(fw, image);
    const board = await startBoardProcess({ chip: 'esp32', flashFile, flashSize: '4M', args: ['--fault', c.fault] });
    let run;
    try {
      run = await runCli(['--json', 'flash', fw, '--port', board.rfc2217, '--no-boot-check', ...(c.stub ? [] : ['--no-stub'])]);
    } finally {
      await board.stop();
    }
    const saved = new Uint8Array(await readFile(flashFile));
    // The flash verb may patch the header's flash parameters (bytes 2-3); everything after is the file.
    const holds = Buffer.compare(saved.subarray(0x1000 + 4, 0x1000 + image.length), image.subarray(4)) === 0;
    const doc = cliJson<FlashDoc>(run);
    if (run.code === 0) {
      assert.equal(doc.result?.verified, true, describeRun(run));
      assert.ok(holds, `exit 0 claimed success, but the flash differs from the image\n${describeRun(run)}`);
    } else {
      assert.ok(c.mayFail, describeRun(run));
      assert.equal(doc.error?.code, 'E040', describeRun(run));
      assert.match(doc.error?.message ?? '', /0x[0-9a-f]+–0x[0-9a-f]+/);
    }
    if (!c.mayFail) assert.equal(run.code, 0, describeRun(run));
    await rm(dir, { recursive: true, force: true });
  });
}
