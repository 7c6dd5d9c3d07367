/**
 * The web flasher end to end, as a visitor uses it: `upyflash ui` serves the built page, Chromium opens
 * it at phone size, and the whole flow runs on the demo board by keyboard: connect, detect, flash,
 * verify, boot banner, a line typed in the REPL console; then a second flash of a catalog image that
 * the local server fetches from a stand-in micropython.org. Screenshots (phone and desktop width) go to
 * test-output/web/ for people to look at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chipById } from '../../src/chips/index.js';
import { analyzeFirmware } from '../../src/image/firmware-file.js';
import { buildSampleFirmware } from '../../src/image/sample.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { cliPath, projectRoot } from '../../harness/paths.js';
import { startSiteServer } from '../fixtures/site/site-server.js';
import { ensurePageBuilt } from './page-build.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const STEP_TIMEOUT_MS = 60_000;
const outDir = join(projectRoot, 'test-output', 'web');
const cleanup = cleanupAfterAll();

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the web test`;

test('demo flow in Chromium: connect, detect, flash, verify, banner, REPL', { skip, timeout: 180_000 }, async () => {
  await ensurePageBuilt({ whenStale: true });
  const site = await startSiteServer();
  cleanup(() => site.close());
  const url = await startUiServer(site.baseUrl);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'upyflash-chromium-'));
  cleanup(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 390, height: 844 },
    timeout: STEP_TIMEOUT_MS,
  });
  cleanup(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  mkdirSync(outDir, { recursive: true });

  await page.goto(url);
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

/** `upyflash ui --no-open --port 0` as a user runs it, its catalog pointed at the local stand-in site. */
async function startUiServer(siteUrl: string): Promise<string> {
  const cache = mkdtempSync(join(tmpdir(), 'upyflash-ui-cache-'));
  const child: ChildProcess = spawn(process.execPath, [cliPath, 'ui', '--no-open', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, UPYFLASH_BASE_URL: siteUrl, UPYFLASH_CACHE_DIR: cache },
  });
  cleanup(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(cache, { recursive: true, force: true });
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(output);
      if (m) resolve(m[0]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`upyflash ui exited (${code}) before serving:\n${output}`)));
  });
}
