/**
 * Our REPL client against the bytes real MicroPython v1.26.1 sent in traces/mpy-repl: the client must
 * send exactly what the recorded host sent for the same jobs, and read the recorded answers right.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Reporter } from '../../src/progress.js';
import { BoardFs } from '../../src/repl/board-fs.js';
import { bootCheck, parseBanner } from '../../src/repl/boot-check.js';
import { RawRepl } from '../../src/repl/raw-repl.js';
import { ByteQueue } from '../../src/transport/byte-queue.js';
import type { Transport } from '../../src/transport/transport.js';
import { tracesDir } from '../../harness/paths.js';

// The recorded traces live beside the repository (../shared/traces), not in a plain clone (e.g. GitHub CI).
const noTraces = existsSync(join(tracesDir, 'README.md')) ? false : `shared/traces not found at ${tracesDir}`;

interface Turn {
  dir: 'host' | 'chip';
  bytes: Uint8Array;
}

function loadTurns(name: string): Turn[] {
  const turns: Turn[] = [];
  for (const line of readFileSync(join(tracesDir, name), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { dir: 'host' | 'chip'; hex: string };
    const bytes = Uint8Array.from(Buffer.from(r.hex, 'hex'));
    const last = turns[turns.length - 1];
    if (last && last.dir === r.dir) last.bytes = Uint8Array.from([...last.bytes, ...bytes]);
    else turns.push({ dir: r.dir, bytes });
  }
  return turns;
}

/** Plays the chip's side of a recorded session: each chip turn is released once the client has sent the host turn before it. */
class ReplayTransport implements Transport {
  readonly name = 'replay:mpy-repl';
  readonly capabilities = { controlLines: false, baudRate: false };
  readonly baud = 115200;
  private readonly queue = new ByteQueue();
  private at = 0;
  private sent: number[] = [];
  readonly mismatches: string[] = [];

  constructor(private readonly turns: Turn[]) {
    this.releaseChip();
  }

  get finished(): boolean {
    return this.at >= this.turns.length;
  }

  private releaseChip(): void {
    while (this.at < this.turns.length && this.turns[this.at]!.dir === 'chip') this.queue.push(this.turns[this.at++]!.bytes);
  }

  async write(data: Uint8Array): Promise<void> {
    this.sent.push(...data);
    const expected = this.turns[this.at];
    const got = Buffer.from(this.sent).toString('latin1');
    const want = expected ? Buffer.from(expected.bytes).toString('latin1') : '';
    if (!expected || !want.startsWith(got)) {
      this.mismatches.push(`sent ${JSON.stringify(got)}, the recorded host sent ${JSON.stringify(want)}`);
      this.sent = [];
      return;
    }
    if (got === want) {
      this.sent = [];
      this.at++;
      this.releaseChip();
    }
  }

  read(timeoutMs: number): Promise<Uint8Array> {
    return this.queue.read(timeoutMs);
  }
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async setSignals(): Promise<void> {}
  async setBaud(): Promise<void> {}
  async flushInput(): Promise<void> {
    this.queue.clear();
  }
  async drain(): Promise<void> {}
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

test('the REPL client replays the recorded MicroPython v1.26.1 session byte for byte', { skip: noTraces }, async () => {
  const t = new ReplayTransport(loadTurns('mpy-repl.raw.jsonl'));
  const info = await bootCheck(t, { timeoutMs: 3000, nudge: false }, new Reporter());
  assert.deepEqual(
    { version: info.version, buildDate: info.buildDate, boardName: info.boardName, mcuName: info.mcuName },
    { version: '1.26.1', buildDate: '2025-09-11', boardName: 'Generic ESP32 module', mcuName: 'ESP32' },
  );

  const repl = new RawRepl(t, { rawPaste: 'never' });
  await repl.enter({ softReset: true });

  assert.deepEqual(await repl.exec('print(1+1)'), { stdout: new TextEncoder().encode('2\r\n'), stderr: new Uint8Array(0) });
  const impl = await repl.exec('import sys\r\nprint(sys.implementation, sys.platform)');
  assert.match(text(impl.stdout), /_machine='Generic ESP32 module with ESP32'.* esp32\r\n$/);

  const failed = await repl.exec('1/0');
  assert.equal(failed.stdout.length, 0);
  assert.match(text(failed.stderr), /ZeroDivisionError: divide by zero\r\n$/);

  // Raw-paste: R\x01, window 128 (+ one credit), code, \x04, the board's \x04, output.
  repl.setRawPaste('auto');
  const pasted = await repl.exec(
    "f=open('hello world.txt','wb')\nf.write(bytes(range(256)))\nf.close()\nimport os\nprint(os.listdir(), os.stat('hello world.txt'))\n",
  );
  assert.equal(repl.rawPasteSupported, true);
  assert.equal(text(pasted.stdout), "['boot.py', 'hello world.txt'] (32768, 0, 0, 0, 0, 0, 256, 3, 3, 3)\r\n");

  repl.setRawPaste('never');
  const fs = new BoardFs(repl);
  const entries = await fs.list('/');
  assert.deepEqual(
    entries.map((e) => [e.path, e.type, e.size]),
    [
      ['/boot.py', 'file', 139],
      ['/hello world.txt', 'file', 256],
    ],
  );
  const data = await fs.readFile('hello world.txt');
  assert.deepEqual(data, Uint8Array.from({ length: 256 }, (_, i) => i));

  await repl.exit();
  const friendly = text(await repl.reader.readUntil('>>> ', 2000, 'the friendly prompt'));
  assert.equal(parseBanner(friendly)?.version, '1.26.1');
  // The friendly soft reset at the end: the banner again.
  await t.write(Uint8Array.of(4));
  const last = text(await repl.reader.readUntil('>>> ', 2000, 'the prompt after soft reboot'));
  assert.match(last, /MPY: soft reboot\r\n/);
  assert.equal(parseBanner(last)?.version, '1.26.1');

  assert.deepEqual(t.mismatches, []);
  assert.ok(t.finished, 'every recorded exchange was used');
});
