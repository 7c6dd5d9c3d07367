/**
 * Every example runs to its end (or, for the server, until stopped) without an exception on a virtual
 * ESP32 and ESP8266, through `upyflash examples NAME --run` as a subprocess; the text is written for
 * the board it asks (its LED pin and level, its ADC).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { cliJson, describeRun, runCli } from '../../harness/cli-run.js';
import { startMicroPythonBoard, type MicroPythonBoardProcess } from '../../harness/micropython-board.js';
import { EXAMPLES } from '../../src/examples/catalog.js';

const boards: MicroPythonBoardProcess[] = [];
after(async () => {
  for (const b of boards) await b.stop();
});

for (const chip of ['esp32', 'esp8266'] as const) {
  test(`every example runs on a virtual ${chip} without an exception`, async () => {
    const b = await startMicroPythonBoard(chip, { args: ['--ap', 'HomeNet:secret123'] });
    boards.push(b);
    for (const e of EXAMPLES) {
      const r = await runCli(['examples', e.name, '--run', '-p', b.rfc2217, '--json', ...(e.endless ? ['--timeout', '3'] : [])], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, `${e.name}: ${describeRun(r)}`);
      const doc = cliJson<{ platform: string; stdout: string; stopped: boolean }>(r).result!;
      assert.equal(doc.platform, chip);
      assert.equal(doc.stopped, e.endless, e.name);
      assert.doesNotMatch(doc.stdout, /Traceback/, e.name);
      const expected: Record<string, RegExp> = {
        blink: /blinked 5 times/,
        button: /Press the BOOT button[\s\S]*done/,
        fade: /faded/,
        adc: /^19 \d+\r$/m,
        'wifi-scan': /^HomeNet\s+-42 dBm {2}channel 1\r\n1 networks/m,
        'web-server': /listening on http:\/\/0\.0\.0\.0\//,
      };
      assert.match(doc.stdout, expected[e.name]!, e.name);
    }
  });
}

test('examples lists them; a name prints the text for the chip asked; an unknown name is a usage error', async () => {
  const list = await runCli(['examples']);
  assert.equal(list.code, 0);
  for (const e of EXAMPLES) assert.match(list.stdout, new RegExp(`^${e.name}\\s`, 'm'));
  const esp8266 = await runCli(['examples', 'blink', '--chip', 'esp8266']);
  assert.match(esp8266.stdout, /GPIO 2, lit when the pin is low/);
  assert.match(esp8266.stdout, /led\.value\(0\) {3}# on/);
  const esp32 = await runCli(['examples', 'adc', '--chip', 'esp32']);
  assert.match(esp32.stdout, /adc = ADC\(Pin\(34\)\)\nadc\.atten\(ADC\.ATTN_11DB\)/);
  const bad = await runCli(['examples', 'nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /hint: Choose one of blink, button, fade, adc, wifi-scan, web-server/);
});
