/**
 * Firmware files the flash verb must refuse before anything is erased: another chip's image, a saved
 * web page, an ELF, a truncated download, an image larger than the flash, a wrong --addr. Each exits
 * with 4 and code + hint (text and --json), no erase or write phase starts, and the board's flash file
 * is byte-for-byte what it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32, ESP8266 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { startBoardProcess } from '../../harness/board-process.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

const FLASH_BYTES = 2 * 1024 * 1024;

test('refused images exit 4 with code and hint, start no erase or write, and leave the flash unchanged', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upyflash-refuse-'));
  const flashFile = join(dir, 'flash.img');
  // A board that already holds firmware (and some bytes of "user data" further up).
  const before = new Uint8Array(FLASH_BYTES).fill(0xff);
  const installed = buildSampleFirmware({ chip: ESP32, appBytes: 80_000, seed: 3 });
  before.set(installed, ESP32.bootloaderOffset);
  before.set(new TextEncoder().encode('user files live here'), 0x180000);
  await writeFile(flashFile, before);

  const files: Record<string, Uint8Array> = {
    'ESP8266_GENERIC-20251209-v1.27.0.bin': buildSampleFirmware({ chip: ESP8266, appBytes: 60_000 }),
    'ESP32_GENERIC-download-page.bin': new TextEncoder().encode('<!DOCTYPE html>\n<html><head><title>MicroPython - Python for microcontrollers</title></head><body>ESP32_GENERIC</body></html>\n'),
    'micropython.elf': Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, ...new Array<number>(4000).fill(0)]),
    'ESP32_GENERIC-truncated.bin': buildSampleFirmware({ chip: ESP32, appBytes: 80_000, seed: 4 }).subarray(0, 0x9000),
    'ESP32_GENERIC-huge.bin': buildSampleFirmware({ chip: ESP32, appBytes: 2_300_000, seed: 5 }),
    'ESP32_GENERIC-ok.bin': buildSampleFirmware({ chip: ESP32, appBytes: 80_000, seed: 6 }),
    'ESP32_GENERIC-corrupt.bin': corruptBootloader(buildSampleFirmware({ chip: ESP32, appBytes: 80_000, seed: 7 })),
  };
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  const cases: { file: string; extra?: string[]; code: string; kind: string; says: RegExp }[] = [
    { file: 'ESP8266_GENERIC-20251209-v1.27.0.bin', code: 'E032', kind: 'WRONG_CHIP', says: /ESP8266.*ESP32/ },
    { file: 'ESP32_GENERIC-download-page.bin', code: 'E030', kind: 'NOT_AN_IMAGE', says: /web page/ },
    { file: 'micropython.elf', code: 'E030', kind: 'NOT_AN_IMAGE', says: /ELF/ },
    { file: 'ESP32_GENERIC-truncated.bin', code: 'E031', kind: 'TRUNCATED_IMAGE', says: /truncated/ },
    { file: 'ESP32_GENERIC-huge.bin', code: 'E034', kind: 'IMAGE_TOO_LARGE', says: /2MB/ },
    { file: 'ESP32_GENERIC-ok.bin', extra: ['--addr', '0x0'], code: 'E033', kind: 'WRONG_ADDRESS', says: /0x1000/ },
    { file: 'ESP32_GENERIC-corrupt.bin', code: 'E038', kind: 'CORRUPT_IMAGE', says: /bootloader image in this file is corrupt/ },
  ];

  const board = await startBoardProcess({ chip: 'esp32', flashFile, flashSize: '2M' });
  try {
    for (const c of cases) {
      const args = ['flash', join(dir, c.file), '--port', board.rfc2217, '--no-boot-check', ...(c.extra ?? [])];
      const json = await runCli(['--json', ...args]);
      assert.equal(json.code, 4, `${c.file}: ${describeRun(json)}`);
      const doc = cliJson(json);
      assert.equal(doc.ok, false);
      assert.equal(doc.error?.code, c.code, c.file);
      assert.equal(doc.error?.kind, c.kind);
      assert.match(doc.error?.message ?? '', c.says, c.file);
      assert.ok((doc.error?.hint ?? '').length > 10, `${c.file}: a hint`);
      // Progress events (JSON lines on stderr): nothing was erased, written or uploaded.
      const phases = json.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => (JSON.parse(l) as { event?: { phase?: string } }).event?.phase)
        .filter(Boolean);
      for (const p of ['erase', 'write', 'stub', 'backup']) assert.ok(!phases.includes(p), `${c.file}: no ${p} phase (${phases.join(', ')})`);

      const text = await runCli(args);
      assert.equal(text.code, 4);
      assert.match(text.stderr, new RegExp(`^error ${c.code}: `, 'm'));
      assert.match(text.stderr, new RegExp(`^hint: ${escapeRegExp(doc.error!.hint)}$`, 'm'), 'the text hint is the JSON hint');
      assert.equal(text.stdout, '', 'nothing on stdout for a failure');
    }
  } finally {
    await board.stop();
  }
  const after = new Uint8Array(await readFile(flashFile));
  assert.ok(Buffer.from(after).equals(Buffer.from(before)), 'the flash is byte-for-byte what it was');
  await rm(dir, { recursive: true, force: true });
});

test('a missing FILE is a file error (E037, exit 4) before any port is opened', async () => {
  const missing = await runCli(['--json', 'flash', '/nonexistent/ESP32_GENERIC.bin', '--port', 'socket://127.0.0.1:1']);
  assert.equal(missing.code, 4, describeRun(missing));
  assert.equal(cliJson(missing).error?.code, 'E037');
  assert.match(cliJson(missing).error?.message ?? '', /ENOENT/);
});

/**
 * The same bit flipped in two bytes of the bootloader's first segment: the XOR checksum still holds,
 * the appended SHA-256 does not, and no value of header bytes 2-3 explains it.
 */
function corruptBootloader(image: Uint8Array): Uint8Array {
  const b = image.slice();
  b[24 + 8 + 4] ^= 0x10;
  b[24 + 8 + 5] ^= 0x10;
  return b;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
