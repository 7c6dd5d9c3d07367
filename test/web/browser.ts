import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Cleanup } from '../../harness/cleanups.js';
import { cliPath, projectRoot } from '../../harness/paths.js';

/** What the Chromium web tests share: the browser, `upyflash ui` as a user starts it, where screenshots go. */

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

/** Screenshots for people to look at. */
export const outDir = join(projectRoot, 'test-output', 'web');

/** node:test's `skip` for a machine without Debian's Chromium. */
export const chromiumSkip: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the web test`;

type AddCleanup = (...cleanups: Cleanup[]) => void;

export interface BrowserPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors of the page's scripts. */
  readonly pageErrors: string[];
}

/** Chromium with a fresh profile at phone size; each step (and the launch) may take `stepMs`. */
export async function openPhonePage(cleanup: AddCleanup, opts: { stepMs: number; acceptDownloads?: boolean }): Promise<BrowserPage> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'upyflash-chromium-'));
  cleanup(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 390, height: 844 },
    timeout: opts.stepMs,
    acceptDownloads: opts.acceptDownloads,
  });
  cleanup(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(opts.stepMs);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  mkdirSync(outDir, { recursive: true });
  return { context, page, pageErrors };
}

/**
 * `upyflash ui --no-open --port 0` as a user runs it, with its own cache; its catalog points at `siteUrl`
 * (by default a port where nothing answers). Resolves with the URL it serves.
 */
export async function startUiServer(cleanup: AddCleanup, siteUrl = 'http://127.0.0.1:9/', mipIndex?: string): Promise<string> {
  const cache = mkdtempSync(join(tmpdir(), 'upyflash-ui-cache-'));
  const child: ChildProcess = spawn(process.execPath, [cliPath, 'ui', '--no-open', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, UPYFLASH_BASE_URL: siteUrl, UPYFLASH_CACHE_DIR: cache, ...(mipIndex ? { UPYFLASH_MIP_INDEX: mipIndex } : {}) },
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

/** Focuses an enabled control and presses a key on it, as a keyboard user does. */
export async function press(page: Page, selector: string, key: string): Promise<void> {
  const el = page.locator(selector);
  await el.waitFor({ state: 'visible' });
  await page.waitForFunction((s) => !(document.querySelector(s) as HTMLButtonElement | null)?.disabled, selector);
  await el.focus();
  await page.keyboard.press(key);
}

export async function waitFocus(page: Page, id: string): Promise<void> {
  await page.waitForFunction((i) => document.activeElement?.id === i, id);
}

export async function waitConsole(page: Page, re: RegExp): Promise<void> {
  await page.waitForFunction(([src, flags]) => new RegExp(src!, flags).test(document.getElementById('repl-output')?.textContent ?? ''), [re.source, re.flags]);
}

/** Opens the page, flashes the demo board of `chip` and waits for the console's input line. */
export async function flashDemoBoard(page: Page, url: string, chip: string): Promise<void> {
  await page.goto(url);
  await page.locator('#demo-chip').selectOption(chip);
  await press(page, '#connect-demo', 'Enter');
  await waitFocus(page, 'flash');
  await page.keyboard.press('Enter');
  await page.locator('#banner').waitFor({ state: 'visible' });
  await waitFocus(page, 'repl-input');
}
