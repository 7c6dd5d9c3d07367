/**
 * Getting into download mode through the reset lines, against `upyflash virtual-board` in another
 * process (rfc2217:// carries DTR/RTS) and the in-process `virtual:esp32`: the classic and unix-tight
 * sequences each work on their own, the CLI's default sequence gets there and says which one did,
 * asserting (or releasing) both lines together never resets the board, `--before no-reset` leaves it
 * alone, and boards that ignore the lines or stay silent get the BOOT-button / cable advice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32 } from '../../src/chips/index.js';
import { classicReset, unixTightReset } from '../../src/flasher/reset.js';
import { connect } from '../../src/flasher/session.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { Reporter, type ProgressEvent } from '../../src/progress.js';
import { openTransport } from '../../src/transport/node/open.js';
import type { Transport } from '../../src/transport/transport.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

const FLASH_BYTES = 4 * 1024 * 1024;

/** A flash file holding MicroPython (sample build) at 0x1000, so a reset into normal boot starts it. */
async function flashWithFirmware(dir: string): Promise<string> {
  const path = join(dir, 'flash.img');
  const flash = new Uint8Array(FLASH_BYTES).fill(0xff);
  flash.set(buildSampleFirmware({ chip: ESP32, appBytes: 60_000 }), ESP32.bootloaderOffset);
  await writeFile(path, flash);
  return path;
}

const logs = (events: ProgressEvent[]) => events.flatMap((e) => (e.type === 'log' ? [e.message] : []));

for (const [name, strategy] of [
  ['classic', classicReset(50)],
  ['unix-tight', unixTightReset(50)],
] as const) {
  test(`${name} reset alone enters download mode over rfc2217:// (board in another process)`, async () => {
    const board = await startBoardProcess({ chip: 'esp32' });
    const transport = await openTransport(board.rfc2217, { baud: 115200 });
    try {
      const events: ProgressEvent[] = [];
      const session = await connect(transport, { resetStrategies: [strategy], connectAttempts: 1, stub: false }, new Reporter({ emit: (e) => events.push(e) }));
      assert.equal(session.chip.id, 'esp32');
      assert.ok(logs(events).includes(`synced after ${name} reset`), logs(events).join('\n'));
      await session.close('no-reset');
    } finally {
      await transport.close().catch(() => undefined);
      await board.stop();
    }
  });
}

test('the CLI default sequence resets into download mode over rfc2217:// and in-process (virtual:esp32), and says which strategy worked', async () => {
  const board = await startBoardProcess({ chip: 'esp32' });
  try {
    for (const port of [board.rfc2217, 'virtual:esp32']) {
      const run = await runCli(['--json', '--verbose', 'detect', '--port', port]);
      assert.equal(run.code, 0, describeRun(run));
      assert.equal(cliJson<{ chip: string }>(run).result?.chip, 'ESP32');
      const events = run.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { event: ProgressEvent }).event);
      const synced = logs(events).find((m) => m.startsWith('synced after '));
      assert.match(synced ?? '', /^synced after (classic|unix-tight) reset$/, `${port}: ${logs(events).join(' | ')}`);
      assert.match(logs(events).find((m) => m.startsWith('connect attempt 1/')) ?? '', /: (classic|unix-tight) reset, EN delay 50 ms$/);
    }
  } finally {
    await board.stop();
  }
});

test(
  'over rfc2217:// (lines reach the board one at a time) the first attempt is the classic reset, as esptool does',
  async () => {
    const board = await startBoardProcess({ chip: 'esp32' });
    try {
      const run = await runCli(['--verbose', 'detect', '--port', board.rfc2217]);
      assert.equal(run.code, 0, describeRun(run));
      assert.match(run.stderr, /connect attempt 1\/7: classic reset/);
      assert.doesNotMatch(run.stderr, /unix-tight/);
    } finally {
      await board.stop();
    }
  },
);

/** Reads for `ms` and returns what arrived (latin-1). */
async function collect(t: Transport, ms: number): Promise<string> {
  const end = Date.now() + ms;
  let text = '';
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) return text;
    const chunk = await t.read(left);
    text += Buffer.from(chunk).toString('latin1');
  }
}

/** Reads until nothing has arrived for `quietMs` (boot text and banner done). */
async function settle(t: Transport, quietMs: number, maxMs = 10_000): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    const chunk = await t.read(quietMs);
    if (chunk.length === 0) return;
  }
  throw new Error('the board never went quiet');
}

async function bothLinesDoNotReset(transport: Transport): Promise<void> {
  await settle(transport, 400);
  // A terminal that asserts both lines on open (and releases both on close) must not reset the board.
  await transport.setSignals({ dtr: true, rts: true });
  const held = await collect(transport, 400);
  await transport.setSignals({ dtr: false, rts: false });
  const released = await collect(transport, 400);
  assert.doesNotMatch(held + released, /rst:/, 'no reset: the ROM printed no boot text');
  // Control: RTS alone pulls EN low; releasing it restarts the chip, which prints its boot text.
  await transport.setSignals({ dtr: false, rts: true });
  await collect(transport, 100);
  await transport.setSignals({ dtr: false, rts: false });
  const boot = await collect(transport, 1500);
  assert.match(boot, /rst:0x1 \(POWERON_RESET\)|rst:/, 'RTS alone does reset it');
}

test('asserting and releasing both lines together does not reset the board (rfc2217:// and in-process)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-lines-'));
  const flashFile = await flashWithFirmware(dir);
  const board = await startBoardProcess({ chip: 'esp32', flashFile });
  try {
    const remote = await openTransport(board.rfc2217, { baud: 115200 });
    try {
      await bothLinesDoNotReset(remote);
    } finally {
      await remote.close();
    }
  } finally {
    await board.stop();
  }
  const local = await openTransport(`virtual:esp32?flash=${flashFile}`, { baud: 115200, virtual: { linkModel: false, flashTiming: false } });
  try {
    await bothLinesDoNotReset(local);
  } finally {
    await local.close();
  }
  await rm(dir, { recursive: true, force: true });
});

test('--before no-reset talks to a board held in download mode (--boot download) without touching the lines', async () => {
  const board = await startBoardProcess({ chip: 'esp32', boot: 'download' });
  try {
    const run = await runCli(['--json', '--verbose', 'detect', '--before', 'no-reset', '--after', 'no-reset', '--port', board.rfc2217]);
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(cliJson<{ chip: string }>(run).result?.chip, 'ESP32');
    assert.match(run.stderr, /Not resetting the board \(--before no-reset\)/);
    assert.match(run.stderr, /connect attempt 1\/3: no reset/);
    assert.doesNotMatch(run.stderr, /classic|unix-tight/);
  } finally {
    await board.stop();
  }
});

test('virtual-board --behaviour ignore-reset / silent: the BOOT button (E011) / cable, driver and port (E010)', async () => {
  const [ignoring, silent] = await Promise.all([startBoardProcess({ behaviour: 'ignore-reset' }), startBoardProcess({ behaviour: 'silent' })]);
  try {
    const [a, b] = await Promise.all([
      // diagnostics-connect.test.ts covers detect and doctor; the same advice reaches a verb that writes.
      runCli(['--json', 'erase', '--port', ignoring.rfc2217]),
      runCli(['--json', 'erase', '--port', silent.rfc2217]),
    ]);
    assert.equal(a.code, 3, describeRun(a));
    const e011 = cliJson(a).error!;
    assert.equal(e011.code, 'E011');
    assert.match(e011.message, /boot:0x13/);
    assert.match(e011.hint, /BOOT/);
    assert.match(e011.hint, /--before no-reset/);

    assert.equal(b.code, 3, describeRun(b));
    const e010 = cliJson(b).error!;
    assert.equal(e010.code, 'E010');
    for (const word of [/cable/, /driver/, /port/]) assert.match(e010.hint, word);
  } finally {
    await Promise.all([ignoring.stop(), silent.stop()]);
  }
});
