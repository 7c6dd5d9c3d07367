/**
 * uPyCraft's other half in the page, end to end on the demo board in Chromium, by keyboard only: flash,
 * create main.py in the editor, save with Ctrl-S, run it and see its output, Stop, upload a data file
 * (and again: skipped as unchanged), download it back byte-identical, rename and delete it, a name the
 * board cannot take, a broken script whose traceback line is marked, soft and hard reset with main.py
 * listed after. Phone width first, desktop width for the screenshots too (test-output/web/).
 * The demo board's MicroPython runs in a worker, so Stop ends an endless loop, and the page's LED
 * follows GPIO 2 while the blink program runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { boardLeds } from '../../src/virtual-board/board-leds.js';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { chromiumSkip as skip, openPhonePage, outDir, press, startUiServer, waitConsole, waitFocus } from './browser.js';
import { ensurePageBuilt } from './page-build.js';

const STEP_MS = 60_000;
const cleanup = cleanupAfterAll();

test('files, editor, Run and Stop on the demo board in Chromium, by keyboard', { skip, timeout: 300_000 }, async (t) => {
  await ensurePageBuilt({ whenStale: true });
  const url = await startUiServer(cleanup);
  const { page, pageErrors } = await openPhonePage(cleanup, { stepMs: STEP_MS, acceptDownloads: true });

  // Flash the demo board (the flash flow's own test checks the details).
  await page.goto(url);
  await page.locator('#demo-chip').selectOption('esp32');
  await press(page, '#connect-demo', 'Enter');
  await waitFocus(page, 'flash');
  await page.keyboard.press('Enter');
  await page.locator('#banner').waitFor({ state: 'visible' });
  await waitFocus(page, 'repl-input');

  // The files panel lists what MicroPython created at first boot.
  await waitTree(page, (names) => names.includes('/boot.py'));
  await waitEntry(page, '/boot.py', /\b139 B/);

  // New file main.py: the name dialog, then the editor has the cursor.
  await nameInDialog(page, '#fs-new-file', 'main.py');
  await waitTree(page, (names) => names.includes('/main.py'));
  // The editor lives in a shadow root (its styles pass the page's CSP there).
  await page.waitForFunction(() => document.getElementById('editor')?.shadowRoot?.activeElement?.classList.contains('cm-content') ?? false);
  assert.equal(await page.locator('#editor-path').inputValue(), '/main.py');
  const loop = ['import time', 'n = 0', "while True: n += 1; print('tick', n); time.sleep(0.05)"];
  await typeLines(page, loop);
  await page.keyboard.press('Control+S');
  await page.waitForFunction(() => /^Saved \/main\.py/.test(document.getElementById('editor-status')?.textContent ?? ''));
  // What the editor shows is what was saved, and the files panel lists it with that size.
  const shown = await page.$$eval('.cm-content .cm-line', (ls) => ls.map((l) => (l as HTMLElement).innerText.replace(/\u200b/g, '')));
  assert.deepEqual(shown.map((l) => l.replace(/\n$/, '')), [...loop, '']);
  assert.equal(await page.locator('#editor-status').innerText(), `Saved /main.py (${loop.join('\n').length + 1} bytes).`);
  const mainSize = new RegExp(`\\b${loop.join('\n').length + 1} B`);
  await waitEntry(page, '/main.py', mainSize);

  // Run: the buffer runs (not saved again) and its output streams into the console.
  await press(page, '#editor-run', 'Enter');
  await waitConsole(page, /tick 3\n/);
  // The loop never ends by itself: only Stop (Ctrl-C reaching the interpreter in its worker) ends it.
  await press(page, '#editor-stop', 'Enter');
  await page.waitForFunction(() => /Stopped \(KeyboardInterrupt\)/.test(document.getElementById('editor-status')?.textContent ?? ''));
  await waitConsole(page, />>> $/);

  // Save as main.py and reset: the same file, then MicroPython restarts (a soft reset) and lists it.
  await press(page, '#editor-main', 'Enter');
  await waitConsole(page, /soft reboot/);
  await page.waitForFunction(() => /^Soft reset/.test(document.getElementById('editor-status')?.textContent ?? ''));
  await waitEntry(page, '/main.py', mainSize);

  // A folder: it becomes the place for new files and uploads.
  await nameInDialog(page, '#fs-new-folder', 'lib');
  await waitTree(page, (names) => names.includes('/lib'));
  assert.equal(await page.locator('#fs-cwd').innerText(), '/lib');

  // Upload through the file input by keyboard (the chooser opens on Enter), progress and all.
  const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37 + (i >> 7)) & 0xff));
  await upload(page, { name: 'data.bin', mimeType: 'application/octet-stream', buffer: data });
  await page.waitForFunction(() => /^Uploaded 1 file; all checked by SHA-256 on the board\.$/.test(document.getElementById('fs-status')?.textContent ?? ''));
  assert.match(await entryText(page, '/lib/data.bin'), /\b4\.9 KB\b/);
  // The same content again is not sent.
  await upload(page, { name: 'data.bin', mimeType: 'application/octet-stream', buffer: data });
  await page.waitForFunction(() => /already the same on the board, not sent again \(\/lib\/data\.bin\)/.test(document.getElementById('fs-status')?.textContent ?? ''));

  // Files dropped on the panel go the same way (a pointer gesture: dispatched here, not typed).
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['dropped\n'], 'drop.txt', { type: 'text/plain' }));
    const zone = document.getElementById('fs-drop')!;
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await waitTree(page, (names) => names.includes('/lib/drop.txt'));
  await waitEntry(page, '/lib/drop.txt', /\b8 B\b/);

  // Download it back: byte for byte what was uploaded.
  const downloading = page.waitForEvent('download');
  await press(page, 'button[aria-label="Download /lib/data.bin"]', 'Enter');
  const download = await downloading;
  assert.equal(download.suggestedFilename(), 'data.bin');
  assert.deepEqual(readFileSync((await download.path())!), data);

  await page.screenshot({ path: join(outDir, 'workspace-phone.png'), fullPage: true });
  await page.locator('#files-step').screenshot({ path: join(outDir, 'files-phone.png') });

  // Rename, then delete with its confirmation.
  await nameInDialog(page, 'button[aria-label="Rename /lib/data.bin"]', 'renamed.bin');
  await waitTree(page, (names) => names.includes('/lib/renamed.bin') && !names.includes('/lib/data.bin'));
  await press(page, 'button[aria-label="Delete /lib/renamed.bin"]', 'Enter');
  await waitFocus(page, 'fs-dialog-ok');
  assert.match(await page.locator('#fs-dialog-title').innerText(), /Delete \/lib\/renamed\.bin\?/);
  await page.keyboard.press('Enter');
  await waitTree(page, (names) => !names.includes('/lib/renamed.bin'));

  // A name the board's file system cannot take: refused with a code and what to do.
  await nameInDialog(page, '#fs-new-file', 'bad/name.py');
  await page.locator('#fs-error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#fs-error .error-code').innerText(), 'E066');
  assert.ok((await page.locator('#fs-error .error-hint').innerText()).length > 0);

  // A broken script: the traceback's line is marked in the editor, the error names it.
  await page.locator('.cm-content').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await typeLines(page, ["print('before')", 'x = 1', 'y = undefined_name + x', "print('after')"]);
  await press(page, '#editor-run', 'Enter');
  await page.locator('#editor-error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#editor-error .error-code').innerText(), 'E062');
  assert.match(await page.locator('#editor-error .error-message').innerText(), /^Line 3: NameError/);
  assert.equal(await page.locator('.cm-error-line').innerText(), 'y = undefined_name + x');
  await waitConsole(page, /NameError/);

  await page.locator('#editor-step').screenshot({ path: join(outDir, 'editor-phone.png') });
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.locator('#files-step').screenshot({ path: join(outDir, 'files-desktop.png') });
  await page.locator('#editor-step').screenshot({ path: join(outDir, 'editor-desktop.png') });
  await page.screenshot({ path: join(outDir, 'workspace-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });

  // Soft reset, then hard reset (the files live in flash): main.py is listed after each.
  await press(page, '#soft-reset', 'Enter');
  await page.waitForFunction(() => (document.getElementById('repl-output')?.textContent?.match(/soft reboot/g)?.length ?? 0) >= 2);
  await page.waitForFunction(() => /^Soft reset/.test(document.getElementById('editor-status')?.textContent ?? ''));
  await press(page, '#hard-reset', 'Enter');
  await page.waitForFunction(() => /^Hard reset: MicroPython v/.test(document.getElementById('editor-status')?.textContent ?? ''));
  await waitTree(page, (names) => names.includes('/main.py') && names.includes('/boot.py') && names.includes('/lib'));
  await waitEntry(page, '/main.py', mainSize);

  const history = (await page.locator('#repl-output').textContent()) ?? '';
  assert.match(history, /MicroPython v[\s\S]*tick 1[\s\S]*soft reboot[\s\S]*NameError[\s\S]*soft reboot[\s\S]*hard reset/);
  // Each job ends with one prompt, not a row of them.
  assert.doesNotMatch(history, />>> >>> /);

  await t.test('the blink program lights the board LED on and off, and Ctrl-C stops it', async () => {
    const led = boardLeds('ESP32')[0]!;
    await page.locator('#board-led').waitFor({ state: 'visible' });
    await page.locator('#repl-input').focus();
    await page.keyboard.type(`import time; from machine import Pin; led = Pin(${led.pin}, Pin.OUT)`);
    await page.keyboard.press('Enter');
    await page.keyboard.type('while True: led.value(not led.value()); time.sleep(0.2)');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    for (const on of ['true', 'false', 'true', 'false']) {
      await page.waitForFunction((want) => document.getElementById('board-led')?.dataset.on === want, on);
    }
    await press(page, '#repl-interrupt', 'Enter');
    await waitConsole(page, /KeyboardInterrupt[\s\S]*>>> $/);
  });

  // Disconnect, then open the same (still powered) board as one that already runs MicroPython: no
  // download mode, no flash, and its files are there.
  await press(page, '#disconnect', 'Enter');
  await page.locator('#board-info').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#fs-tree button.name').count(), 0);
  await page.locator('#connect-running').focus();
  await page.keyboard.press('Space');
  assert.equal(await page.locator('#connect-running').isChecked(), true);
  const logBefore = ((await page.locator('#log').textContent()) ?? '').length;
  await press(page, '#connect-demo', 'Enter');
  await waitFocus(page, 'fs-refresh');
  await waitTree(page, (names) => names.includes('/main.py') && names.includes('/boot.py'));
  assert.match(await page.locator('#result-text').innerText(), /^Opened without flashing: MicroPython v1\.27\.0 /);
  const logAfter = ((await page.locator('#log').textContent()) ?? '').slice(logBefore);
  assert.doesNotMatch(logAfter, /download mode|Connecting|stub/i);
  assert.equal(await page.locator('#flash').isEnabled(), true);
  await page.locator('#repl-input').focus();
  await page.keyboard.type('print(6*7)');
  await page.keyboard.press('Enter');
  await waitConsole(page, /\n42\n>>> ?$/);

  // The console kept its history across all the jobs, and the page never scrolls sideways on a phone.
  const consoleText = (await page.locator('#repl-output').textContent()) ?? '';
  assert.match(consoleText, /MicroPython v[\s\S]*42/);
  // Each job ends with one prompt, not a row of them.
  assert.doesNotMatch(consoleText, />>> >>> /);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0);
  assert.deepEqual(pageErrors, []);
});

/** Waits until the listed board paths satisfy `ok` (and no job is running in the panel). */
async function waitTree(page: Page, ok: (names: string[]) => boolean): Promise<void> {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const names = await page.$$eval('#fs-tree button.name', (bs) => bs.map((b) => (b as HTMLElement).dataset.path ?? ''));
    const idle = await page.locator('#fs-refresh').isEnabled();
    if (idle && ok(names)) return;
    if (Date.now() > deadline) assert.fail(`files panel never matched; it lists ${JSON.stringify(names)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitEntry(page: Page, path: string, re: RegExp): Promise<void> {
  const deadline = Date.now() + STEP_MS;
  let text = '';
  while (Date.now() < deadline) {
    text = await entryText(page, path).catch(() => '');
    if (re.test(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${path} in the files panel reads ${JSON.stringify(text)}, not ${re}`);
}

async function entryText(page: Page, path: string): Promise<string> {
  return page.locator(`#fs-tree li.entry:has(> button.name[data-path="${path}"])`).innerText();
}

/** Opens the name dialog by keyboard from `opener` and answers it with `name` (replacing what it proposes). */
async function nameInDialog(page: Page, opener: string, name: string): Promise<void> {
  await press(page, opener, 'Enter');
  await waitFocus(page, 'fs-dialog-input');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
}

/** Types code line by line; Escape closes the completion popup so Enter always starts a new line. */
async function typeLines(page: Page, lines: readonly string[]): Promise<void> {
  for (const line of lines) {
    await page.keyboard.type(line);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
  }
}

async function upload(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  await page.waitForFunction(() => !(document.getElementById('fs-upload') as HTMLInputElement).disabled);
  const choosing = page.waitForEvent('filechooser');
  await page.locator('#fs-upload').focus();
  await page.keyboard.press('Enter');
  const chooser = await choosing;
  await chooser.setFiles(file);
}
