import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32 } from '../../src/chips/index.js';
import { ACTIONS, ERRORS, type ErrorKind, UpyflashError, errorDetails } from '../../src/errors.js';
import { CLI_ACTIONS } from '../../src/cli/hint-actions.js';
import { connect } from '../../src/flasher/session.js';
import { nodeDeflate } from '../../src/platform/node/deflate.js';
import { Reporter } from '../../src/progress.js';
import { commands } from '../../src/protocol/commands.js';
import { esptoolJsStub, loadStubImage } from '../../src/stub/node/esptool-js-stubs.js';
import { endpointTransport } from '../../src/transport/endpoint-transport.js';
import { VirtualBoard } from '../../src/virtual-board/board.js';
import { PAGE_ACTIONS, pageHint } from '../../src/web/hint-actions.js';
import { cliJson, runCli } from '../../harness/cli-run.js';

test('every action an error names has words on the CLI and on the page, and no page text names a CLI flag for it', () => {
  for (const [kind, spec] of Object.entries(ERRORS)) {
    for (const a of (spec as { actions?: readonly string[] }).actions ?? []) assert.ok(a in ACTIONS, `${kind}: ${a}`);
  }
  for (const a of Object.keys(ACTIONS) as (keyof typeof ACTIONS)[]) {
    assert.ok(CLI_ACTIONS[a].length > 0, a);
    assert.ok(PAGE_ACTIONS[a].length > 0, a);
  }
  assert.match(CLI_ACTIONS['lower-baud'], /--baud 460800/);
  assert.doesNotMatch(PAGE_ACTIONS['lower-baud'], /--baud/);
});

test('the page renders actions in its own words, and keeps a specific hint the thrower gave', () => {
  const kinds: ErrorKind[] = ['BAUD_FAILED', 'WRONG_BOOT_MODE', 'VERIFY_FAILED'];
  for (const kind of kinds) {
    const err = new UpyflashError(kind);
    assert.match(err.hint, /--baud|--before|--erase/, `${kind}: the CLI hint names flags`);
    assert.doesNotMatch(pageHint(err), /--baud|--before no-reset|--erase/, kind);
  }
  assert.match(pageHint(new UpyflashError('WRONG_BOOT_MODE')), /hold the BOOT/i);
  assert.equal(pageHint(new UpyflashError('WRONG_CHIP', 'x', { hint: 'Download ESP32_GENERIC.' })), 'Download ESP32_GENERIC.');
  assert.deepEqual(new UpyflashError('BAUD_FAILED').toJSON().actions, ['lower-baud']);
  assert.deepEqual(new UpyflashError('BAUD_FAILED', 'x', { actions: ['retry'] }).actions, ['retry']);
});

test('a loader refusal carries op, status and error with their names (stub: data with no write begun)', async () => {
  const board = new VirtualBoard({ chip: 'esp32', linkModel: false, flashTiming: false, stubImage: () => loadStubImage(ESP32) });
  const s = await connect(endpointTransport(board.connect(), 'virtual:esp32'), { stubProvider: esptoolJsStub, deflate: nodeDeflate(9) }, new Reporter());
  try {
    await s.ensureStub();
    const e = await s.link.command(commands.flashDeflData(0, new Uint8Array(64).fill(0x55))).then(
      () => undefined,
      (x: unknown) => x,
    );
    const d = errorDetails(e, 'ROM_ERROR');
    assert.ok(d, String(e));
    assert.equal(d.opName, 'FLASH_DEFL_DATA');
    // The stub sends its error code in the first status byte (ROMs send 1 there and the code after it).
    assert.equal(d.status, d.error);
    assert.equal(typeof d.error, 'number');
    assert.ok(d.error !== undefined && d.error >= 0xc0, `stub error byte, got ${d.error}`);
    assert.ok((d.errorName ?? '').length > 0 && d.errorName !== 'unknown error', d.errorName);
    assert.ok((e as UpyflashError).message.includes(d.errorName!));
  } finally {
    await s.close('no-reset');
    board.close();
  }
});

test('--json error documents list the actions for scripts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-actions-'));
  const page = join(dir, 'download.bin');
  await writeFile(page, '<!DOCTYPE html><html><body>MicroPython downloads</body></html>');
  try {
    const run = await runCli(['--json', 'image-info', page]);
    const doc = cliJson(run);
    assert.equal(doc.error?.code, 'E030');
    assert.deepEqual((doc.error as unknown as { actions: string[] }).actions, ['other-firmware']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
