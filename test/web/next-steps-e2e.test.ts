/**
 * The steps after the flash in Chromium on the demo board (whose radio hears DemoNet and Cafe-Guest):
 * Wi-Fi scan, a wrong password with its code, a connection remembered at boot; a library with its
 * dependency from a stand-in package index (through `upyflash ui`), imported in the console; every
 * example from the editor's menu runs without an exception (the web server until Stop); and a demo
 * ESP8266 installs the same package with the index stopped (from the server's cache).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { startStandInIndex } from '../../harness/package-index.js';
import { EXAMPLES } from '../../src/examples/catalog.js';
import { chromiumSkip as skip, flashDemoBoard, openPhonePage, outDir, press, waitConsole, startUiServer } from './browser.js';
import { ensurePageBuilt } from './page-build.js';

const cleanup = cleanupAfterAll();

async function waitText(page: Page, id: string, re: RegExp): Promise<void> {
  await page.waitForFunction(([i, src]) => new RegExp(src!).test(document.getElementById(i!)?.textContent ?? ''), [id, re.source]);
}

/** Libraries panel: search, install sensorkit (and its dependency), then use it from the console. */
async function installSensorkit(page: Page, values: string, printed: RegExp): Promise<void> {
  await page.locator('#libs-query').fill('sensor');
  await press(page, '#libs-search', 'Enter');
  await waitText(page, 'libs-status', /^1 package\(s\)\.$/);
  await press(page, '#libs-list button[data-package="sensorkit"]', 'Enter');
  await waitText(page, 'libs-status', /^Installed sensorkit 1\.0, mathutil 0\.2 in \/lib: 2 written, 0 unchanged\./);
  const input = page.locator('#repl-input');
  await input.focus();
  await input.fill(`import sensorkit; print(sensorkit.double_avg(${values}))`);
  await page.keyboard.press('Enter');
  await waitConsole(page, printed);
}

test('Wi-Fi step, Libraries panel and the examples menu on the demo board', { skip, timeout: 300_000 }, async () => {
  await ensurePageBuilt({ whenStale: true });
  const index = await startStandInIndex([
    {
      name: 'sensorkit',
      description: 'averages for sensor readings',
      builds: { py: { '1.0': { 'sensorkit/__init__.py': 'from mathutil import mean\ndef double_avg(xs):\n    return 2 * mean(xs)\n' } } },
      deps: [['mathutil', '']],
    },
    { name: 'mathutil', description: 'small maths', builds: { py: { '0.2': { 'mathutil.py': 'def mean(xs):\n    return sum(xs) / len(xs)\n' } } } },
  ]);
  cleanup(() => index.stop());
  const url = await startUiServer(cleanup, undefined, index.url);
  const { page, pageErrors } = await openPhonePage(cleanup, { stepMs: 60_000 });
  await flashDemoBoard(page, url, 'esp32');

  await press(page, '#wifi-scan', 'Enter');
  await waitText(page, 'wifi-status', /^2 network\(s\) in range\.$/);
  assert.deepEqual(await page.$$eval('#wifi-list button.name', (bs) => bs.map((b) => (b as HTMLElement).innerText)), ['DemoNet', 'Cafe-Guest']);
  await page.locator('#wifi-list button.name', { hasText: 'DemoNet' }).click();
  assert.equal(await page.locator('#wifi-ssid').inputValue(), 'DemoNet');
  await page.locator('#wifi-password').fill('not-the-one');
  await press(page, '#wifi-connect', 'Enter');
  await page.locator('#wifi-error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#wifi-error .error-code').innerText(), 'E075');
  await page.locator('#wifi-password').fill('micropython');
  await page.locator('#wifi-remember').check();
  await press(page, '#wifi-connect', 'Enter');
  await waitText(page, 'wifi-status', /^Connected to DemoNet: IP 192\.168\.1\.\d+ \(reconnects at every boot\)\.$/);
  assert.equal(await page.locator('#wifi-error').isHidden(), true);
  await page.locator('#wifi-step').screenshot({ path: join(outDir, 'wifi-step.png') });

  await installSensorkit(page, '[1, 2, 3]', /\n4\.0\r?\n/);
  assert.ok(index.requests.includes('/package/py/sensorkit/latest.json'), index.requests.join(' '));
  await page.locator('#libs-step').screenshot({ path: join(outDir, 'libraries.png') });

  for (const e of EXAMPLES) {
    await page.locator('#editor-example').waitFor({ state: 'visible' });
    await page.waitForFunction(() => !(document.getElementById('editor-example') as HTMLSelectElement).disabled);
    await page.locator('#editor-example').selectOption(e.name);
    await waitText(page, 'editor-status', new RegExp(`^Example "${e.title.replace(/[()]/g, '.')}" for esp32`));
    assert.equal(await page.locator('#editor-path').inputValue(), `/${e.name.replace(/-/g, '_')}.py`);
    await press(page, '#editor-run', 'Enter');
    if (e.endless) {
      await waitConsole(page, /listening on http:\/\/192\.168\.1\.\d+\//);
      await press(page, '#editor-stop', 'Enter');
      await waitText(page, 'editor-status', /^Stopped \(KeyboardInterrupt\)\.$/);
    } else {
      await waitText(page, 'editor-status', /^The program (ended|raised an exception)\.$/);
      assert.equal(await page.locator('#editor-status').innerText(), 'The program ended.', e.name);
    }
  }
  await waitConsole(page, /DemoNet +-48 dBm {2}channel 6\r?\n/);

  // A second board with the index stopped: `upyflash ui` serves what it fetched before from its cache.
  await index.stop();
  await flashDemoBoard(page, url, 'esp8266');
  await installSensorkit(page, '[2, 4]', /\n6\.0\r?\n/);
  assert.deepEqual(pageErrors, []);
});
