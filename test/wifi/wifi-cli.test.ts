/**
 * Wi-Fi as a user meets it: `upyflash wifi scan/connect/status/forget` as subprocesses against
 * `upyflash virtual-board --ap NAME:PASSWORD` processes (ESP32 and ESP8266), the board's own
 * network.WLAN status codes as each port reports them, and `--remember` across a hard reset with the
 * user's boot.py lines kept.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { startMicroPythonBoard, type MicroPythonBoardProcess } from '../../harness/micropython-board.js';
import { ByteReader } from '../../src/repl/byte-reader.js';
import { Rfc2217Transport } from '../../src/transport/node/rfc2217.js';
import { withBlock, withoutBlock } from '../../src/wifi/remember.js';
import { hardReset } from '../virtual-board/mpy-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'upyflash-wifi-'));
const boards: MicroPythonBoardProcess[] = [];
after(async () => {
  for (const b of boards) await b.stop();
  rmSync(dir, { recursive: true, force: true });
});

const APS = ['--ap', 'HomeNet:secret123', '--ap', 'Cafe'];

async function board(chip: 'esp32' | 'esp8266', args: string[] = APS): Promise<MicroPythonBoardProcess> {
  const b = await startMicroPythonBoard(chip, { args });
  boards.push(b);
  return b;
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function run(b: MicroPythonBoardProcess, code: string): Promise<string> {
  const r = await runCli(['run', file(`s${Date.now()}.py`, code), '-p', b.rfc2217]);
  assert.equal(r.code, 0, describeRun(r));
  return r.stdout.replace(/\r\n/g, '\n');
}

const STATUS_PROBE = `import network, time
w = network.WLAN(network.STA_IF)
print('idle', w.status(), w.isconnected())
w.active(True)
def wait(ms):
    time.sleep_ms(ms)
    return w.status()
w.connect('Nowhere', 'whatever1')
print('noap', wait(1500))
w.connect('HomeNet', 'wrongpass')
print('wrong', wait(1500))
try:
    w.config(reconnects=2)
    print('bounded', wait(1000))
except ValueError:
    print('bounded', w.status())
w.connect('HomeNet', 'secret123')
print('connecting', w.status())
print('ok', wait(600), w.isconnected(), w.ifconfig()[0].startswith('192.168.1.'))
print('consts', network.STAT_IDLE, network.STAT_CONNECTING, network.STAT_GOT_IP, network.STAT_WRONG_PASSWORD, network.STAT_NO_AP_FOUND)
`;

test('virtual-board --ap: network.WLAN status codes as the ESP32 and ESP8266 ports give them', async () => {
  const esp32 = await board('esp32');
  // ESP32: ESP-IDF reasons 201/202; with reconnects=0 (the default) it keeps retrying, so status stays 1001.
  assert.equal(
    await run(esp32, STATUS_PROBE),
    'idle 1000 False\nnoap 1001\nwrong 1001\nbounded 202\nconnecting 1001\nok 1010 True True\nconsts 1000 1001 1010 202 201\n',
  );
  const esp8266 = await board('esp8266');
  assert.equal(
    await run(esp8266, STATUS_PROBE),
    'idle 0 False\nnoap 3\nwrong 2\nbounded 2\nconnecting 1\nok 5 True True\nconsts 0 1 5 2 3\n',
  );
  const scan = await run(esp8266, "import network\nw=network.WLAN(network.STA_IF)\nw.active(True)\nprint([(s[0], s[4]) for s in w.scan()])\n");
  assert.equal(scan, "[(b'HomeNet', 3), (b'Cafe', 0)]\n");
});

test('wifi scan, connect with the right and wrong password and a missing network (ESP32 and ESP8266)', async () => {
  for (const chip of ['esp32', 'esp8266'] as const) {
    const b = await board(chip);
    const scan = await runCli(['wifi', 'scan', '-p', b.rfc2217]);
    assert.equal(scan.code, 0, describeRun(scan));
    assert.match(scan.stdout, /^HomeNet\s+-42 dBm\s+ch +1\s+WPA2$/m);
    assert.match(scan.stdout, /^Cafe\s+-51 dBm\s+ch +6\s+open$/m);

    const wrong = await runCli(['wifi', 'connect', 'HomeNet', '--password-file', file('wrong.txt', 'nope-nope\n'), '-p', b.rfc2217, '--json']);
    assert.equal(wrong.code, 9, describeRun(wrong));
    assert.equal(cliJson(wrong).error?.code, 'E075');

    const missing = await runCli(['wifi', 'connect', 'Nowhere', '--password-file', file('any.txt', 'whatever1\n'), '-p', b.rfc2217]);
    assert.equal(missing.code, 9, describeRun(missing));
    assert.match(missing.stderr, /error E076: No network named "Nowhere" in range/);
    assert.match(missing.stderr, /hint: Run `upyflash wifi scan`/);

    const ok = await runCli(['wifi', 'connect', 'HomeNet', '--password-file', file('right.txt', 'secret123\n'), '-p', b.rfc2217]);
    assert.equal(ok.code, 0, describeRun(ok));
    assert.match(ok.stdout, /^connected to HomeNet: IP 192\.168\.1\.\d+ \(gateway 192\.168\.1\.1\)$/m);
    assert.doesNotMatch(ok.stdout + ok.stderr, /secret123/);
  }
});

test('wifi connect --remember: the board reconnects after a hard reset, and the user boot.py lines stay', async () => {
  const b = await board('esp32');
  const put = await runCli(['fs', 'put', file('boot.py', "print('my own boot line')\nX = 1\n"), '/boot.py', '-p', b.rfc2217]);
  assert.equal(put.code, 0, describeRun(put));
  for (let i = 0; i < 2; i++) {
    const r = await runCli(['wifi', 'connect', 'HomeNet', '--password-file', file('right.txt', 'secret123\n'), '--remember', '-p', b.rfc2217]);
    assert.equal(r.code, 0, describeRun(r));
  }
  const boot = await runCli(['fs', 'cat', '/boot.py', '-p', b.rfc2217]);
  assert.ok(boot.stdout.startsWith("print('my own boot line')\nX = 1\n"), boot.stdout);
  assert.equal(boot.stdout.split('# >>> upyflash wifi').length, 2, 'one block after two --remember');

  const [host, port] = b.hostPort.split(':');
  const t = new Rfc2217Transport(b.rfc2217, { host: host!, port: Number(port) }, 115200);
  await t.open();
  try {
    const reader = new ByteReader(t);
    await hardReset(t, reader);
    const text = new TextDecoder().decode(await reader.readUntil('>>> ', 30_000, 'the prompt after reset'));
    assert.match(text, /my own boot line\r\n/);
    assert.match(text, /wifi: HomeNet 192\.168\.1\.\d+\r\n/);
  } finally {
    await t.close();
  }
  const status = cliJson<{ connected: boolean; ssid: string }>(await runCli(['wifi', 'status', '-p', b.rfc2217, '--json'])).result!;
  assert.deepEqual([status.connected, status.ssid], [true, 'HomeNet']);

  const forget = await runCli(['wifi', 'forget', '-p', b.rfc2217]);
  assert.equal(forget.code, 0, describeRun(forget));
  const after = await runCli(['fs', 'cat', '/boot.py', '-p', b.rfc2217]);
  assert.equal(after.stdout, "print('my own boot line')\nX = 1\n");
});

test('a board without a radio: E077', async () => {
  const b = await board('esp32', ['--no-radio']);
  const r = await runCli(['wifi', 'scan', '-p', b.rfc2217, '--json']);
  assert.equal(r.code, 9, describeRun(r));
  assert.equal(cliJson(r).error?.code, 'E077');
});

test('the boot.py block is added once and removed byte for byte', () => {
  const user = 'import gc\ngc.collect()';
  const once = withBlock(user);
  assert.equal(withBlock(once), once);
  assert.equal(withoutBlock(once), user + '\n');
  assert.equal(withoutBlock(user), user);
});
