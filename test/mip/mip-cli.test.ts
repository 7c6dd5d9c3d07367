/**
 * `upyflash mip` as a user runs it: the CLI as a subprocess against `upyflash virtual-board` processes
 * (ESP32 and ESP8266 with MicroPython in flash) and a stand-in package index on 127.0.0.1 with the
 * shapes the real one has: a package with a dependency, one with .mpy builds per bytecode version, and
 * one whose files come from `urls`. A second board installs from the cache with the index stopped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { startMicroPythonBoard, type MicroPythonBoardProcess } from '../../harness/micropython-board.js';
import { startStandInIndex, type StandInIndex } from '../../harness/package-index.js';
import { locationUrl, parsePackageSpec } from '../../src/mip/package-spec.js';

const MPY6 = new Uint8Array([0x4d, 0x06, 0x00, 0x1f, 1, 2, 3, 6]);
const MPY5 = new Uint8Array([0x4d, 0x05, 0x00, 0x1f, 1, 2, 3, 5]);

let index: StandInIndex;
let esp32: MicroPythonBoardProcess;
const dir = mkdtempSync(join(tmpdir(), 'upyflash-mip-'));
const env = { ...process.env, UPYFLASH_CACHE_DIR: join(dir, 'cache') };

before(async () => {
  index = await startStandInIndex([
    {
      name: 'sensorkit',
      description: 'averages for sensor readings',
      builds: { py: { '1.0': { 'sensorkit/__init__.py': 'from mathutil import mean\ndef double_avg(xs):\n    return 2 * mean(xs)\n' } } },
      deps: [['mathutil', '']],
    },
    { name: 'mathutil', builds: { py: { '0.2': { 'mathutil.py': 'def mean(xs):\n    return sum(xs) / len(xs)\n' } } } },
    {
      name: 'fastmath',
      builds: {
        '5': { '0.3': { 'fastmath.mpy': MPY5 } },
        '6': { '0.3': { 'fastmath.mpy': MPY6 } },
        py: { '0.3': { 'fastmath.py': 'def sq(x):\n    return x * x\n' } },
      },
    },
    { name: 'oldonly', builds: { '5': { '1.0': { 'oldonly.mpy': MPY5 } } } },
    { name: 'webthing', builds: { py: { '1.0': {} } }, urls: [['webthing.py', '{index}/raw/webthing.py']] },
    { name: 'bigblob', builds: { py: { '1.0': { 'bigblob.py': '#' + 'x'.repeat(700_000) + '\n' } } } },
  ]);
  index.serveRaw('/raw/webthing.py', 'NAME = "webthing"\n');
  index.serveRaw('/raw/tool.py', 'def hello():\n    return "tool says hi"\n');
  esp32 = await startMicroPythonBoard('esp32');
});

after(async () => {
  await esp32?.stop();
  await index?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function mip(args: string[], board: MicroPythonBoardProcess): ReturnType<typeof runCli> {
  return runCli(['mip', ...args, '-p', board.rfc2217, '--index', index.url, '--json'], { env, timeoutMs: 90_000 });
}

async function runOnBoard(board: MicroPythonBoardProcess, code: string): Promise<string> {
  const file = join(dir, `snippet-${Date.now()}.py`);
  writeFileSync(file, code);
  const r = await runCli(['run', file, '-p', board.rfc2217], { env });
  assert.equal(r.code, 0, describeRun(r));
  return r.stdout;
}

interface InstallDoc {
  target: string;
  boardMpy: number | null;
  offline: boolean;
  packages: Array<{ name: string; version: string; build: string; files: string[]; requiredBy?: string }>;
  written: string[];
  skipped: string[];
}

test('specs: names, versions and github:/gitlab: locations', () => {
  assert.deepEqual(parsePackageSpec('umqtt.simple@1.4.0'), { kind: 'index', text: 'umqtt.simple@1.4.0', name: 'umqtt.simple', version: '1.4.0' });
  const gh = parsePackageSpec('github:org/repo/drivers@v2');
  assert.equal(gh.kind, 'url');
  assert.equal(locationUrl('github:org/repo/drivers/x.py', 'v2'), 'https://raw.githubusercontent.com/org/repo/v2/drivers/x.py');
  assert.equal(locationUrl('gitlab:org/repo/x.py', undefined), 'https://gitlab.com/org/repo/-/raw/HEAD/x.py');
  assert.throws(() => parsePackageSpec('../evil'), /neither a package name nor a location/);
});

test('ESP32: a package and its dependency go to /lib and import in the REPL; a second install writes nothing', async () => {
  const r = await mip(['install', 'sensorkit'], esp32);
  assert.equal(r.code, 0, describeRun(r));
  const doc = cliJson<InstallDoc>(r).result!;
  assert.equal(doc.target, '/lib');
  assert.equal(doc.boardMpy, 6);
  assert.deepEqual(doc.packages.map((p) => [p.name, p.version, p.build, p.requiredBy ?? null]), [
    ['sensorkit', '1.0', 'py', null],
    ['mathutil', '0.2', 'py', 'sensorkit'],
  ]);
  assert.deepEqual(doc.written.sort(), ['/lib/mathutil.py', '/lib/sensorkit/__init__.py']);
  assert.equal(await runOnBoard(esp32, 'import sensorkit\nprint(sensorkit.double_avg([1, 2, 3]))\n'), '4.0\r\n');

  const again = cliJson<InstallDoc>(await mip(['install', 'sensorkit'], esp32)).result!;
  assert.deepEqual(again.written, []);
  assert.equal(again.skipped.length, 2);

  const list = await runCli(['mip', 'list', '-p', esp32.rfc2217], { env });
  assert.equal(list.code, 0, describeRun(list));
  assert.match(list.stdout, /^mathutil\s+module\s+1 file\(s\)\s+\d+ bytes$/m);
  assert.match(list.stdout, /^sensorkit\s+package\s+1 file\(s\)/m);
});

test("ESP32: the .mpy built for the board's bytecode version is chosen; --no-mpy takes the source", async () => {
  const doc = cliJson<InstallDoc>(await mip(['install', 'fastmath'], esp32)).result!;
  assert.deepEqual(doc.packages.map((p) => [p.name, p.build, p.files]), [['fastmath', '6', ['fastmath.mpy']]]);
  const bytes = await runOnBoard(esp32, "print(list(open('/lib/fastmath.mpy','rb').read()))\n");
  assert.equal(bytes.trim(), JSON.stringify([...MPY6]).replace(/,/g, ', '));
  await runOnBoard(esp32, "import os\nos.remove('/lib/fastmath.mpy')\n");

  const src = cliJson<InstallDoc>(await mip(['install', 'fastmath', '--no-mpy'], esp32)).result!;
  assert.deepEqual(src.packages.map((p) => [p.build, p.files]), [['py', ['fastmath.py']]]);
  assert.equal(await runOnBoard(esp32, 'import fastmath\nprint(fastmath.sq(7))\n'), '49\r\n');
});

test('ESP32: files from `urls` and a single-file URL', async () => {
  const r = cliJson<InstallDoc>(await mip(['install', 'webthing', `${index.url}/raw/tool.py`], esp32));
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.result!.written.sort(), ['/lib/tool.py', '/lib/webthing.py']);
  assert.equal(await runOnBoard(esp32, 'import webthing, tool\nprint(webthing.NAME, tool.hello())\n'), 'webthing tool says hi\r\n');
});

test('errors: unknown package, no build for this bytecode version, a version the index lacks', async () => {
  const unknown = await mip(['install', 'sensorkitt'], esp32);
  assert.equal(unknown.code, 9, describeRun(unknown));
  const e1 = cliJson(unknown).error!;
  assert.equal(e1.code, 'E070');
  assert.match(e1.hint, /Did you mean sensorkit/);

  const old = cliJson(await mip(['install', 'oldonly'], esp32)).error!;
  assert.equal(old.code, 'E071');
  assert.match(old.message, /bytecode version\(s\) 5; this board runs \.mpy version 6/);

  const version = cliJson(await mip(['install', 'mathutil@9.9'], esp32)).error!;
  assert.equal(version.code, 'E070');
  assert.match(version.hint, /Versions in the index: 0\.2/);
  const text = await runCli(['mip', 'install', 'nothere', '-p', esp32.rfc2217, '--index', index.url], { env });
  assert.match(text.stderr, /error E070: No package "nothere"/);
  assert.match(text.stderr, /hint: /);
});

test('ESP8266, index stopped: installs from the cache; a package never fetched is E072; a package too big is E073 with nothing written', async () => {
  const esp8266 = await startMicroPythonBoard('esp8266', { flashSize: '1MB' });
  try {
    await index.stop();
    const r = await mip(['install', 'sensorkit'], esp8266);
    assert.equal(r.code, 0, describeRun(r));
    const doc = cliJson<InstallDoc>(r).result!;
    assert.equal(doc.offline, true);
    assert.deepEqual(doc.written.sort(), ['/lib/mathutil.py', '/lib/sensorkit/__init__.py']);
    assert.equal(await runOnBoard(esp8266, 'import sensorkit\nprint(sensorkit.double_avg([2, 4]))\n'), '6.0\r\n');

    const none = await mip(['install', 'bigblob'], esp8266);
    assert.equal(cliJson(none).error?.code, 'E072', describeRun(none));

    await index.start();
    const full = await mip(['install', 'bigblob'], esp8266);
    assert.equal(full.code, 9, describeRun(full));
    const err = cliJson(full).error!;
    assert.equal(err.code, 'E073');
    assert.match(err.message, /needs about \d+ KiB, \d+ KiB free/);
    assert.equal(await runOnBoard(esp8266, "import os\nprint(sorted(os.listdir('/lib')))\n"), "['mathutil.py', 'sensorkit']\r\n");
  } finally {
    await esp8266.stop();
  }
});
