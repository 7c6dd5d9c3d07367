/**
 * `--remember`: the credentials in a small JSON file on the board and a marked block at the end of
 * boot.py that connects with them at every boot. The user's own boot.py lines stay as they are; the
 * block is replaced (never doubled) on the next --remember and removed by `wifi forget`.
 */
import { BoardFs } from '../repl/board-fs.js';
import type { RawRepl } from '../repl/raw-repl.js';

export const WIFI_FILE = '/wifi.json';
const BOOT = '/boot.py';
const BEGIN = '# >>> upyflash wifi: connects at boot with /wifi.json (`upyflash wifi forget` removes this block)';
const END = '# <<< upyflash wifi';

/** The block: connects, waits up to 10 s, and never lets a Wi-Fi problem stop the boot. */
export function bootBlock(): string {
  return [
    BEGIN,
    'def _upyflash_wifi():',
    '    try:',
    '        import json, network, time',
    `        with open(${JSON.stringify(WIFI_FILE)}) as f:`,
    '            c = json.load(f)',
    '        w = network.WLAN(network.STA_IF)',
    '        w.active(True)',
    '        if not w.isconnected():',
    "            w.connect(c['ssid'], c['password'])",
    '            t = time.ticks_ms()',
    '            while not w.isconnected() and time.ticks_diff(time.ticks_ms(), t) < 10000:',
    '                time.sleep_ms(100)',
    "        print('wifi:', c['ssid'], w.ifconfig()[0] if w.isconnected() else 'not connected')",
    '    except Exception as e:',
    "        print('wifi:', repr(e))",
    '_upyflash_wifi()',
    'del _upyflash_wifi',
    END,
    '',
  ].join('\n');
}

/** boot.py without our block (the user's text byte for byte otherwise). */
export function withoutBlock(boot: string): string {
  const start = boot.indexOf(BEGIN);
  if (start < 0) return boot;
  const endAt = boot.indexOf(END, start);
  const stop = endAt < 0 ? boot.length : endAt + END.length + (boot[endAt + END.length] === '\n' ? 1 : 0);
  return boot.slice(0, start) + boot.slice(stop);
}

export function withBlock(boot: string): string {
  const base = withoutBlock(boot);
  const sep = base === '' || base.endsWith('\n') ? '' : '\n';
  return `${base}${sep}${bootBlock()}`;
}

async function readText(fs: BoardFs, path: string): Promise<string> {
  return (await fs.stat(path)) ? new TextDecoder().decode(await fs.readFile(path)) : '';
}

export async function rememberWifi(repl: RawRepl, ssid: string, password: string): Promise<void> {
  const fs = new BoardFs(repl);
  await fs.writeFile(WIFI_FILE, new TextEncoder().encode(JSON.stringify({ ssid, password }) + '\n'));
  await fs.writeFile(BOOT, new TextEncoder().encode(withBlock(await readText(fs, BOOT))));
}

/** Removes the block and the credentials; true when there was something to remove. */
export async function forgetWifi(repl: RawRepl): Promise<boolean> {
  const fs = new BoardFs(repl);
  const boot = await readText(fs, BOOT);
  const cleaned = withoutBlock(boot);
  const had = cleaned !== boot || (await fs.stat(WIFI_FILE)) !== undefined;
  if (cleaned !== boot) await fs.writeFile(BOOT, new TextEncoder().encode(cleaned));
  if (await fs.stat(WIFI_FILE)) await fs.remove(WIFI_FILE);
  return had;
}
