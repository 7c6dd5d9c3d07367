/**
 * The plotter in Chromium on the demo board: a program prints sin and cos as `sin=... cos=...` lines,
 * the plot (its chart library loaded only now) draws two named series; Pause stops the feed. The
 * screenshot goes to test-output/web/plot.png.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanupAfterAll } from '../../harness/cleanups.js';
import { chromiumSkip as skip, flashDemoBoard, openPhonePage, outDir, press, startUiServer, waitConsole } from './browser.js';
import { ensurePageBuilt } from './page-build.js';

const cleanup = cleanupAfterAll();

test('the plotter draws sin and cos printed by a program on the demo board', { skip, timeout: 240_000 }, async () => {
  await ensurePageBuilt({ whenStale: true });
  const url = await startUiServer(cleanup);
  const { page, pageErrors } = await openPhonePage(cleanup, { stepMs: 60_000 });
  const chunks: string[] = [];
  page.on('request', (r) => chunks.push(r.url()));
  await flashDemoBoard(page, url, 'esp32');
  assert.equal(chunks.filter((u) => /plot-chart/.test(u)).length, 0, 'the chart library loads only when the plot opens');

  await press(page, '#plot-toggle', 'Enter');
  await page.locator('#plot-view').waitFor({ state: 'visible' });
  await page.waitForFunction(() => /Waiting for lines with numbers/.test(document.getElementById('plot-status')?.textContent ?? ''));
  assert.ok(chunks.some((u) => /plot-chart/.test(u)), 'the chart chunk was fetched on open');

  const input = page.locator('#repl-input');
  await input.focus();
  for (const line of [
    'import math, time',
    "for i in range(120): print('sin=%.3f cos=%.3f' % (math.sin(i / 10), math.cos(i / 10))); time.sleep_ms(5)",
    '',
  ]) {
    await input.fill(line);
    await page.keyboard.press('Enter');
  }
  await waitConsole(page, /sin=-?0\.\d+ cos=/);
  await page.waitForFunction(() => Number(document.getElementById('plot-view')?.dataset['points'] ?? 0) >= 120, undefined, { timeout: 60_000 });
  assert.equal(await page.locator('#plot-view').getAttribute('data-series'), 'sin,cos');
  assert.match(await page.locator('#plot-status').innerText(), /^2 series \(sin, cos\), last 120 points\.$/);
  // uPlot draws on a canvas and lists the series in its legend.
  assert.equal(await page.locator('#plot-chart canvas').count(), 1);
  const legend = await page.$$eval('#plot-chart .u-legend .u-label', (ls) => ls.map((l) => (l as HTMLElement).innerText));
  assert.deepEqual(legend.slice(1), ['sin', 'cos']);
  const painted = await page.$eval('#plot-chart canvas', (c) => {
    const canvas = c as HTMLCanvasElement;
    const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && !(px[i] === px[i + 1] && px[i + 1] === px[i + 2])) coloured++;
    return coloured;
  });
  assert.ok(painted > 200, `the lines are drawn in colour (${painted} coloured pixels)`);
  await page.locator('#plot-view').screenshot({ path: join(outDir, 'plot.png') });
  assert.ok(statSync(join(outDir, 'plot.png')).size > 0);

  // Paused: new lines do not move the chart.
  await press(page, '#plot-pause', 'Enter');
  await input.focus();
  await input.fill("print('sin=1 cos=1')");
  await page.keyboard.press('Enter');
  await waitConsole(page, /sin=1 cos=1\r?\n/);
  assert.equal(await page.locator('#plot-view').getAttribute('data-points'), '120');
  assert.deepEqual(pageErrors, []);
});
