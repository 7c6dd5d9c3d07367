/**
 * --after hard-reset over socket:// (no DTR/RTS), against `upyflash virtual-board` in another process,
 * whose esp-flasher-stub model stays in the loader on FLASH_END(0) as the real one does. Where the
 * chip has an RTC watchdog (ESP32-C3 here) the CLI resets through it, as esptool v5 does, and the board
 * ends up running its firmware; on the ESP32, which has none, the user is told to press EN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32, ESP32C3, type ChipSpec } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

async function flashOverSocket(chip: ChipSpec, fileName: string, extra: readonly string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-wdt-'));
  const fw = join(dir, fileName);
  await writeFile(fw, buildSampleFirmware({ chip, appBytes: 60_000 }));
  // GPIO0 held low: over socket:// nothing else gets the board into download mode.
  const board = await startBoardProcess({ chip: chip.id, boot: 'download' });
  try {
    const flash = await runCli(['flash', fw, '--port', board.socket, ...extra], { timeoutMs: 120_000 });
    const detect = await runCli(['--json', 'detect', '--port', board.socket, '--after', 'no-reset'], { timeoutMs: 60_000 });
    return { flash, detect };
  } finally {
    await board.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

test('ESP32-C3 over socket://: the RTC watchdog resets it into the new firmware (boot check sees MicroPython)', { timeout: 240_000 }, async () => {
  const { flash, detect } = await flashOverSocket(ESP32C3, 'ESP32_GENERIC_C3-test.bin', []);
  assert.equal(flash.code, 0, describeRun(flash));
  assert.match(flash.stderr, /Hard resetting with the RTC watchdog/);
  assert.match(flash.stderr, /The ESP32-C3 left download mode\./);
  assert.match(flash.stderr, /MicroPython v[\d.]+ .* is running/);
  assert.doesNotMatch(flash.stderr, /press EN/);
  // The firmware runs: the loader does not answer any more.
  assert.equal(cliJson(detect).error?.code, 'E012', describeRun(detect));
});

test('ESP32 over socket://: no watchdog reset and esp-flasher-stub ignores FLASH_END(reboot), so the user is told to press EN', { timeout: 240_000 }, async () => {
  const { flash, detect } = await flashOverSocket(ESP32, 'ESP32_GENERIC-test.bin', ['--no-boot-check']);
  assert.equal(flash.code, 0, describeRun(flash));
  const warning = flash.stderr.split('\n').filter((l) => /press EN \(RST\)/.test(l));
  assert.equal(warning.length, 1, flash.stderr);
  assert.match(warning[0]!, /^warning: socket:\/\/\S+ cannot reset the ESP32 \(it has no watchdog reset\): press EN \(RST\) on the board now/);
  assert.ok(warning[0]!.length <= 160, warning[0]);
  assert.doesNotMatch(flash.stderr, /left download mode/);
  // And it is true: the loader still answers.
  assert.equal(detect.code, 0, describeRun(detect));
});
