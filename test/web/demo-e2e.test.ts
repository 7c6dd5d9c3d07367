/**
 * The web flasher end to end, as a visitor uses it: `upyflash ui` serves the built page, Chromium opens
 * it at phone size, and the whole flow runs on the demo board by keyboard: connect, detect, flash,
 * verify, boot banner, a line typed in the REPL console; then a second flash of a catalog image that
 * the local server fetches from a stand-in micropython.org. Screenshots (phone and desktop width) go to
 * test-output/web/ for people to look at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { chipById } from '../../src/chips/index.js';
import { analyzeFirmware } from '../../src/image/firmware-file.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { startSiteServer } from '../fixtures/site/site-server.js';
import { chromiumSkip as skip, openPhonePage, outDir, startUiServer } from './browser.js';
import { ensurePageBuilt } from './page-build.js';

const STEP_TIMEOUT_MS = 60_000;
const cleanup = cleanupAfterAll();

/** The built page served by `upyflash ui` against the stand-in site, open at phone size. */
async function openDemoPage() {
  await ensurePageBuilt({ whenStale: true });
  const site = await startSiteServer();
  cleanup(() => site.close());
  const url = await startUiServer(cleanup, site.baseUrl);
  const opened = await openPhonePage(cleanup, { stepMs: STEP_TIMEOUT_MS });
  await opened.page.goto(url);
  return opened;
}

test('demo flow in Chromium: connect, detect, flash, verify, banner, REPL', { skip, timeout: 180_000 }, async () => {
  const { page, pageErrors } = await openDemoPage();
  await page.locator('#demo-chip').selectOption('esp32');

  // Keyboard only: focus moves Connect -> Flash -> console input by itself along the happy path.
  await page.locator('#connect-demo').focus();
  await page.keyboard.press('Enter');
  await page.locator('#board-info').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  assert.match(await page.locator('#info-chip').innerText(), /^ESP32\b/);
  assert.match(await page.locator('#info-mac').innerText(), /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  assert.equal(await page.locator('#info-flash').innerText(), '4.0 MB');
  assert.equal(await page.locator('#source-sample').isChecked(), true);
  await page.waitForFunction(() => document.activeElement?.id === 'flash', undefined, { timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');

  await page.locator('#banner').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const errorPanel = page.locator('#error-panel');
  assert.equal(await errorPanel.isHidden(), true, `error shown: ${await errorPanel.innerText().catch(() => '')}`);
  assert.match(await page.locator('#result-text').innerText(), /^Flashed and verified: .* at 0x1000/);
  // The banner carries the version compiled into the sample image the page flashed.
  const sample = analyzeFirmware(buildSampleFirmware({ chip: chipById('esp32')! }));
  const mp = sample.micropython!;
  assert.equal(
    await page.locator('#banner').innerText(),
    `MicroPython v${mp.version} on ${mp.buildDate}; ${mp.boardName} with ${mp.mcuName}`,
  );
  assert.equal(await page.locator('#progress-bar').getAttribute('value'), '100');
  const log = await page.locator('#log').textContent();
  assert.match(log ?? '', /Verified: MD5 [0-9a-f]{32}/);

  await page.waitForFunction(() => document.activeElement?.id === 'repl-input', undefined, { timeout: STEP_TIMEOUT_MS });
  await page.keyboard.type('print(1+1)');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => /print\(1\+1\)\n2\n>>> ?$/.test(document.getElementById('repl-output')?.textContent ?? ''),
    undefined,
    { timeout: STEP_TIMEOUT_MS },
  );
  await page.screenshot({ path: join(outDir, 'demo-phone.png'), fullPage: true });

  // A saved web page picked as firmware is refused on the spot with the CLI's code and hint.
  await page.locator('#file-input').setInputFiles({
    name: 'ESP32_GENERIC-20251209-v1.27.0.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('<!DOCTYPE html>\n<html><head><title>MicroPython downloads</title></head><body></body></html>\n'),
  });
  await errorPanel.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  assert.equal(await page.locator('#error-code').innerText(), 'E030');
  assert.ok((await page.locator('#error-hint').innerText()).length > 0);
  assert.equal(await page.locator('#flash').isDisabled(), true);
  await errorPanel.screenshot({ path: join(outDir, 'demo-error-phone.png') });

  // Flash again over the running MicroPython, this time a catalog image fetched by the local server
  // from the stand-in site (the page itself cannot reach micropython.org: no CORS).
  const catalogFile = 'ESP32_GENERIC-20250911-v1.26.1.bin';
  await page.locator('#source-catalog').check();
  await page.locator('#catalog-select').selectOption(catalogFile);
  await page.locator('#flash').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('banner')?.textContent?.includes('v1.26.1') ?? false, undefined, {
    timeout: STEP_TIMEOUT_MS,
  });
  assert.equal(await errorPanel.isHidden(), true, `error shown: ${await errorPanel.innerText().catch(() => '')}`);
  assert.match(await page.locator('#result-text').innerText(), new RegExp(`^Flashed and verified: ${catalogFile.replace(/\./g, '\\.')}`));
  assert.equal(await page.locator('#banner').innerText(), 'MicroPython v1.26.1 on 2025-09-11; Generic ESP32 module with ESP32');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(outDir, 'demo-desktop.png'), fullPage: true });
  assert.ok(statSync(join(outDir, 'demo-phone.png')).size > 0);

  // Nothing wider than a phone screen (no sideways scrolling at 390 px).
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0);
  assert.deepEqual(pageErrors, []);
});

test('firmware step in Chromium: the detected choice first, another board found by search', { skip, timeout: 120_000 }, async () => {
  const { page, pageErrors } = await openDemoPage();
  await page.locator('#demo-chip').selectOption('esp32s3');
  await page.locator('#connect-demo').click();
  await page.locator('#board-info').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const select = page.locator('#catalog-select');
  // The detected (generic) board's list comes first, with the CLI's pick and its reason.
  await page.waitForFunction(() => (document.getElementById('catalog-select') as HTMLSelectElement).value.startsWith('ESP32_GENERIC_S3-'), undefined, {
    timeout: STEP_TIMEOUT_MS,
  });
  assert.match(await page.locator('#catalog-note').innerText(), /images for ESP32_GENERIC_S3 on micropython\.org/);
  const preferred = await select.inputValue();
  const preferredNote = await page.locator('#catalog-note').innerText();

  await page.locator('#board-search').fill('lolin');
  const results = page.locator('#board-results button');
  await results.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // Only the S3's boards: the stand-in site's other LOLIN boards (S2 mini, D32) belong to other chips.
  assert.deepEqual(await results.evaluateAll((bs) => bs.map((b) => (b as HTMLButtonElement).value)), ['LOLIN_S3', 'LOLIN_S3_MINI']);
  await page.locator('#firmware-step').screenshot({ path: join(outDir, 'firmware-search-phone.png') });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);

  await page.locator('#board-search').fill('no such board');
  await page.locator('#board-results li', { hasText: 'matches "no such board"' }).waitFor({ timeout: STEP_TIMEOUT_MS });

  await page.locator('#board-search').fill('lolin s3');
  await page.locator('#board-results button[value="LOLIN_S3"]').click();
  await page.waitForFunction(() => (document.getElementById('catalog-select') as HTMLSelectElement).value.startsWith('LOLIN_S3-'), undefined, {
    timeout: STEP_TIMEOUT_MS,
  });
  const files = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  assert.deepEqual(files, ['LOLIN_S3-20251209-v1.27.0.bin', 'LOLIN_S3-20250911-v1.26.1.bin']);
  assert.match(await page.locator('#catalog-note').innerText(), /^2 images for LOLIN_S3 on micropython\.org\. Not the detected board: search ESP32_GENERIC_S3 to go back\.$/);
  assert.equal(await page.locator('#source-catalog').isChecked(), true);
  assert.match(await page.locator('#image-summary').innerText(), /^LOLIN_S3-20251209-v1\.27\.0\.bin/);
  assert.equal(await page.locator('#board-results').isHidden(), true);
  assert.equal(await page.locator('#flash').isDisabled(), false);

  // Searching the detected board brings its list back with the CLI's pick first.
  await page.locator('#board-search').fill('generic s3');
  await page.locator('#board-results button[value="ESP32_GENERIC_S3"]').click();
  await page.waitForFunction((want) => (document.getElementById('catalog-select') as HTMLSelectElement).value === want, preferred, {
    timeout: STEP_TIMEOUT_MS,
  });
  assert.equal(await page.locator('#catalog-note').innerText(), preferredNote);
  assert.deepEqual(pageErrors, []);
});
