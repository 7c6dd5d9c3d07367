/**
 * The virtual board running real MicroPython (WebAssembly port) after a reset: boot text, banner from
 * the flashed image, files kept in flash across soft and hard resets and lost by an erase, raw-paste
 * answered as firmware does, and answers shaped like the recorded v1.26.1 session.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chipById } from '../../src/chips/index.js';
import { latin1Bytes, latin1String } from '../../src/platform/bytes.js';
import { ByteReader } from '../../src/repl/byte-reader.js';
import type { Transport } from '../../src/transport/transport.js';
import { flashedMicroPython } from '../../src/virtual-board/micropython/index.js';
import { tracesDir } from '../../harness/paths.js';

// The recorded traces live beside the repository (../shared/traces), not in a plain clone (e.g. GitHub CI).
const noTraces = existsSync(join(tracesDir, 'README.md')) ? false : `shared/traces not found at ${tracesDir}`;
import { MemoryFlash, appImageWithStrings, hardReset, installApp, smallFirmware, startBoardOnTcp, type BoardOnTcp } from './mpy-fixtures.js';

const boards: BoardOnTcp[] = [];
after(async () => {
  for (const b of boards) await b.close();
});

async function board(opts: Parameters<typeof startBoardOnTcp>[0]): Promise<{ b: BoardOnTcp; t: Transport; r: ByteReader }> {
  const b = await startBoardOnTcp(opts);
  boards.push(b);
  const t = await b.connect();
  return { b, t, r: new ByteReader(t) };
}

async function send(t: Transport, r: ByteReader, s: string, until: string): Promise<string> {
  await t.write(latin1Bytes(s));
  return latin1String(await r.readUntil(until, 5000, JSON.stringify(until)));
}

test('after a reset the board prints ROM text, first-boot setup, the banner from the image, and a prompt', async () => {
  // Flashed while the board sat blank, as a flasher leaves it: the next reset is MicroPython's first boot.
  const { b, t, r } = await board({});
  b.install(smallFirmware('esp32', { version: '1.26.1', buildDate: '2025-09-11' }));
  await hardReset(t, r);
  const boot = latin1String(await r.readUntil('>>> ', 8000, 'the prompt'));
  assert.match(boot, /rst:0x1 \(POWERON_RESET\),boot:0x13 \(SPI_FAST_FLASH_BOOT\)\r\n/);
  assert.match(boot, /entry 0x[0-9a-f]{8}\r\nPerforming initial setup\r\nMicroPython v1\.26\.1 on 2025-09-11; Generic ESP32 module with ESP32\r\nType "help\(\)" for more information\.\r\n>>> $/);

  // Files persist across a soft reset (Ctrl-D) and a hard reset; only the first boot sets up.
  await send(t, r, "open('keep.txt','w').write('kept')\r", '>>> ');
  const soft = await send(t, r, '\x04', '>>> ');
  assert.match(soft, /^\r\nMPY: soft reboot\r\nMicroPython v1\.26\.1 on 2025-09-11; Generic ESP32 module with ESP32\r\n/);
  assert.match(await send(t, r, "print(open('keep.txt').read())\r", '>>> '), /\r\nkept\r\n>>> $/);
  await hardReset(t, r);
  const second = latin1String(await r.readUntil('>>> ', 8000, 'the prompt'));
  assert.doesNotMatch(second, /Performing initial setup/);
  assert.match(await send(t, r, 'import os; print(sorted(os.listdir()))\r', '>>> '), /\['boot\.py', 'keep\.txt'\]\r\n>>> $/);

  // An erase wipes the filesystem with everything else: reflash, reboot, first-boot setup again.
  b.board.flash.eraseAll();
  b.install(smallFirmware('esp32', { version: '1.26.1', buildDate: '2025-09-11' }));
  await hardReset(t, r);
  const third = latin1String(await r.readUntil('>>> ', 8000, 'the prompt'));
  assert.match(third, /Performing initial setup\r\n/);
  assert.match(await send(t, r, 'import os; print(sorted(os.listdir()))\r', '>>> '), /\['boot\.py'\]\r\n>>> $/);
});

test('reflashing without an erase keeps the files; the banner follows the new image', async () => {
  const { b, t, r } = await board({ firmware: smallFirmware('esp32') });
  await hardReset(t, r);
  await r.readUntil('>>> ', 8000, 'the prompt');
  await send(t, r, "open('main.py','w').write('x=1')\r", '>>> ');
  b.install(smallFirmware('esp32', { version: '1.28.0', buildDate: '2026-04-01' }));
  await hardReset(t, r);
  const boot = latin1String(await r.readUntil('>>> ', 8000, 'the prompt'));
  assert.match(boot, /MicroPython v1\.28\.0 on 2026-04-01; Generic ESP32 module with ESP32/);
  assert.match(await send(t, r, 'import os; print(sorted(os.listdir()))\r', '>>> '), /\['boot\.py', 'main\.py'\]/);
});

test('an ESP32-C3 and an ESP8266 board boot MicroPython with their own machine names', async () => {
  for (const chip of ['esp32c3', 'esp8266'] as const) {
    const { t, r } = await board({ chip, firmware: smallFirmware(chip) });
    await hardReset(t, r);
    const spec = chipById(chip)!;
    const text = latin1String(await r.readUntil('>>> ', 8000, 'the prompt'));
    assert.ok(text.includes(`MicroPython v1.27.0 on 2025-12-09; ${spec.micropython.boardName} with ${spec.mcuName}\r\n`), text);
  }
});

test('only an image carrying the MicroPython strings counts as MicroPython', () => {
  const chip = chipById('esp32')!;
  const flash = new MemoryFlash(4 * 1024 * 1024);
  assert.equal(flashedMicroPython(chip, flash), undefined, 'erased flash');
  installApp(chip, flash, appImageWithStrings(chip, ['Hello from another firmware']));
  assert.equal(flashedMicroPython(chip, flash), undefined, 'valid image, not MicroPython');
  installApp(chip, flash, appImageWithStrings(chip, ['MicroPython v1.24.1 on 2024-11-29', 'Generic ESP32 module with ESP32']));
  assert.deepEqual(flashedMicroPython(chip, flash), { version: '1.24.1', buildDate: '2024-11-29', boardName: 'Generic ESP32 module', mcuName: 'ESP32' });
});

test('raw-paste: R\\x01 with a 128-byte window and flow control, or R\\x00 on a board set up without it', async () => {
  const { t, r } = await board({ firmware: smallFirmware('esp32') });
  await hardReset(t, r);
  await r.readUntil('>>> ', 8000, 'the prompt');
  await send(t, r, '\r\x01', 'raw REPL; CTRL-B to exit\r\n>');
  await t.write(latin1Bytes('\x05A\x01'));
  assert.deepEqual(await r.readExact(5, 5000, 'the raw-paste answer'), Uint8Array.of(0x52, 0x01, 0x80, 0x00, 0x01));
  // 300 bytes of code: the board grants a window each time it has taken 128 bytes.
  const code = `x = ${'1+'.repeat(140)}1\nprint(x)\n`;
  await t.write(latin1Bytes(code));
  const credits = await r.readExact(2, 5000, 'flow control');
  assert.deepEqual(credits, Uint8Array.of(1, 1));
  assert.equal(await send(t, r, '\x04', '>'), '\x04141\r\n\x04\x04>');

  const plain = await board({ firmware: smallFirmware('esp32'), app: { rawPaste: false } });
  await hardReset(plain.t);
  await plain.r.readUntil('>>> ', 8000, 'the prompt');
  await send(plain.t, plain.r, '\r\x01', 'raw REPL; CTRL-B to exit\r\n>');
  await plain.t.write(latin1Bytes('\x05A\x01'));
  assert.deepEqual(await plain.r.readExact(2, 5000, 'the raw-paste answer'), Uint8Array.of(0x52, 0x00));
  assert.equal(await send(plain.t, plain.r, 'print(6*7)\x04', '>'), 'OK42\r\n\x04\x04>');
});

/** What legitimately differs between our board (v1.27 WebAssembly port) and the recorded ESP32 v1.26.1. */
function normalize(s: string): string {
  return s
    .replace(/MicroPython v[^ ]+ on [0-9-]+/g, 'MicroPython vX on DATE')
    .replace(/OK\(name='micropython'[^\r\n]*\r\n/, 'OK(IMPLEMENTATION)\r\n')
    .replace(/\(\d+(, \d+){9}\)/g, '(STAT)')
    .replace(/\('([^']*)', (\d+), \d+(, \d+)?\)/g, "('$1', $2)");
}

test("the board's MicroPython answers the recorded host bytes as the real v1.26.1 board did", { skip: noTraces }, async () => {
  const turns: { dir: string; text: string }[] = [];
  for (const line of readFileSync(join(tracesDir, 'mpy-repl.raw.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line) as { dir: string; hex: string };
    const text = Buffer.from(rec.hex, 'hex').toString('latin1');
    const last = turns[turns.length - 1];
    if (last && last.dir === rec.dir) last.text += text;
    else turns.push({ dir: rec.dir, text });
  }
  const { b, t } = await board({});
  b.install(smallFirmware('esp32'));
  await hardReset(t);
  const readTurn = async (expected: string): Promise<string> => {
    let got = '';
    const want = normalize(expected);
    const end = Date.now() + 8000;
    while (normalize(got) !== want && Date.now() < end) {
      // The interpreter starts in a worker: give the boot turn time to arrive after the ROM text.
      const d = await t.read(1000);
      got += latin1String(d);
      if (d.length === 0 && normalize(got).length > want.length) break;
    }
    return got;
  };
  // The boot turn: from the MicroPython part on (the ROM lines depend on the image's segments).
  const boot = await readTurn(turns[0]!.text);
  const fromSetup = (s: string) => s.slice(s.indexOf('Performing initial setup'));
  assert.ok(boot.includes('Performing initial setup'), boot);
  assert.equal(normalize(fromSetup(boot)), normalize(fromSetup(turns[0]!.text)));
  for (let i = 1; i < turns.length; i += 2) {
    await t.write(latin1Bytes(turns[i]!.text));
    const expected = turns[i + 1]!.text;
    assert.equal(normalize(await readTurn(expected)), normalize(expected), `answer to ${JSON.stringify(turns[i]!.text)}`);
  }
});
