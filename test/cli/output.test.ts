/**
 * What scripts rely on: `image-info` output (text and --json) checked against the file's own bytes,
 * one JSON document on stdout with code and hint on failure, and the exit codes of docs/errors.md
 * (0 ok, 2 bad arguments, 3 board unreachable, 4 file refused, 5 verification failed; 6 and 7 are
 * covered by firmware-cli and repl-cli tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESP32, ESP8266 } from '../../src/chips/index.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { sha256, toHex } from '../../src/platform/hash.js';
import { parseSize } from '../../src/cli/run-command.js';
import { isUpyflashError } from '../../src/errors.js';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';

interface ImageDoc {
  fileBytes: number;
  kind: string;
  chip: string;
  suggestedOffset: number;
  micropython?: { version: string; buildDate: string };
  partitions?: { label: string; offset: number; size: number }[];
  images: {
    role: string;
    fileOffset: number;
    flashOffset: number;
    length: number;
    checksum: { stored: number; computed: number; valid: boolean };
    sha256?: { stored: string; computed: string; valid: boolean };
  }[];
}

let dir = '';
const file = (name: string) => join(dir, name);

test('set up sample files', async () => {
  dir = await mkdtemp(join(tmpdir(), 'upyflash-out-'));
  await writeFile(file('ESP32_GENERIC-20251209-v1.27.0.bin'), buildSampleFirmware({ chip: ESP32, appBytes: 70_000 }));
  await writeFile(file('ESP8266_GENERIC-20251209-v1.27.0.bin'), buildSampleFirmware({ chip: ESP8266, appBytes: 70_000, version: '1.26.1', buildDate: '2025-09-11' }));
  await writeFile(file('page.bin'), '<!doctype html><html><body>download</body></html>');
});

test('image-info --json: chip, layout, MicroPython version, partitions, checksums that match the file bytes', async () => {
  const bytes = new Uint8Array(buildSampleFirmware({ chip: ESP32, appBytes: 70_000 }));
  const run = await runCli(['--json', 'image-info', file('ESP32_GENERIC-20251209-v1.27.0.bin')]);
  assert.equal(run.code, 0, describeRun(run));
  const info = cliJson<ImageDoc>(run).result!;
  assert.equal(info.fileBytes, bytes.length);
  assert.equal(info.kind, 'merged');
  assert.equal(info.chip, 'ESP32');
  assert.equal(info.suggestedOffset, 0x1000);
  assert.deepEqual(info.micropython && { v: info.micropython.version, d: info.micropython.buildDate }, { v: '1.27.0', d: '2025-12-09' });
  assert.deepEqual(
    info.partitions?.map((p) => p.label),
    ['nvs', 'phy_init', 'factory'],
  );
  assert.deepEqual(
    info.images.map((i) => [i.role, i.flashOffset]),
    [
      ['bootloader', 0x1000],
      ['application', 0x10000],
    ],
  );
  for (const img of info.images) {
    assert.equal(img.checksum.valid, true);
    // The appended SHA-256 is the last 32 bytes of each image and covers everything before them.
    const end = img.fileOffset + img.length;
    assert.equal(img.sha256?.stored, toHex(bytes.subarray(end - 32, end)), img.role);
    assert.equal(img.sha256?.computed, toHex(sha256(bytes.subarray(img.fileOffset, end - 32))), img.role);
    assert.equal(img.flashOffset - img.fileOffset, 0x1000, 'merged image: file offset + 0x1000 = flash offset');
  }
});

test('image-info text: esptool-style sections for ESP32 and ESP8266 files', async () => {
  const esp32 = await runCli(['image-info', file('ESP32_GENERIC-20251209-v1.27.0.bin')]);
  assert.equal(esp32.code, 0, describeRun(esp32));
  assert.match(esp32.stdout, /^Kind: merged image .* for ESP32, written at 0x1000$/m);
  assert.match(esp32.stdout, /^MicroPython: v1\.27\.0 on 2025-12-09/m);
  assert.match(esp32.stdout, /^Partition table \(flash 0x8000\)$/m);
  assert.match(esp32.stdout, /^ {2}factory +app +factory +0x00010000 /m);
  assert.match(esp32.stdout, /^Checksum: 0x[0-9a-f]{2} \(valid\)$/m);
  assert.equal(esp32.stderr, '');

  const esp8266 = await runCli(['--json', 'image-info', file('ESP8266_GENERIC-20251209-v1.27.0.bin')]);
  assert.equal(esp8266.code, 0, describeRun(esp8266));
  const info = cliJson<ImageDoc>(esp8266).result!;
  assert.equal(info.chip, 'ESP8266');
  assert.equal(info.suggestedOffset, 0);
  assert.equal(info.micropython?.version, '1.26.1');
  assert.ok(info.images.every((i) => i.checksum.valid));
});

test('image-info of a web page: exit 4, E030, one JSON document with code and hint', async () => {
  const run = await runCli(['--json', 'image-info', file('page.bin')]);
  assert.equal(run.code, 4, describeRun(run));
  const doc = cliJson(run);
  assert.deepEqual(Object.keys(doc).sort(), ['error', 'ok']);
  assert.equal(doc.ok, false);
  assert.equal(doc.error?.code, 'E030');
  assert.equal(doc.error?.kind, 'NOT_AN_IMAGE');
  assert.match(doc.error?.hint ?? '', /\.bin link/);
});

test('bad option values exit 2 with E036 and the accepted values', async () => {
  const fw = file('ESP32_GENERIC-20251209-v1.27.0.bin');
  for (const args of [
    ['flash', fw, '--port', 'virtual:esp32', '--baud', 'fast'],
    ['flash', fw, '--port', 'virtual:esp32', '--before', 'sometimes'],
    ['detect', '--port', 'virtual:esp32', '--chip', 'esp31'],
    ['read-flash', 'zero', '4K', file('x.bin'), '--port', 'virtual:esp32'],
    ['flash', fw, '--port', 'bogus://x'],
  ]) {
    const run = await runCli(['--json', ...args]);
    assert.equal(run.code, 2, `${args.join(' ')}: ${describeRun(run)}`);
    const err = cliJson(run).error;
    assert.equal(err?.code, 'E036', args.join(' '));
    assert.ok((err?.hint ?? '').length > 0);
  }
});

test('addresses and sizes are read as esptool reads them: hex in either case, decimal, K and M suffixes', () => {
  assert.equal(parseSize('0x1000', 'ADDR'), 0x1000);
  assert.equal(parseSize('0x1F0000', 'ADDR'), 0x1f0000);
  assert.equal(parseSize('0X3fF000', 'ADDR'), 0x3ff000);
  assert.equal(parseSize('4096', 'SIZE'), 4096);
  assert.equal(parseSize('4K', 'SIZE'), 4096);
  assert.equal(parseSize('1M', 'SIZE'), 1 << 20);
  assert.equal(parseSize('2MB', 'SIZE'), 2 << 20);
  assert.throws(() => parseSize('0xZZ', 'ADDR'), (e: unknown) => isUpyflashError(e, 'BAD_ARGUMENT'));
});

test('usage errors (missing argument, unknown option, unknown verb) exit 2 as docs/errors.md says', async () => {
  for (const args of [['read-flash', '0x0'], ['detect', '--frobnicate'], ['flashh']]) {
    const run = await runCli(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${describeRun(run)}`);
    assert.match(run.stderr, /^error: /m);
  }
  const help = await runCli(['--help']);
  assert.equal(help.code, 0, 'help is not an error');
  assert.match(help.stdout, /Usage: upyflash/);
});

test('nothing listening at the port: exit 3, E002, with a hint that names the server to start', async () => {
  // A port that was free a moment ago.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const scheme of ['socket', 'rfc2217']) {
    const run = await runCli(['--json', 'detect', '--port', `${scheme}://127.0.0.1:${port}`]);
    assert.equal(run.code, 3, describeRun(run));
    const err = cliJson(run).error!;
    assert.equal(err.code, 'E002');
    assert.match(err.hint, /virtual-board|ser2net|rfc2217/);
  }
});

test('clean up', async () => {
  await rm(dir, { recursive: true, force: true });
});
