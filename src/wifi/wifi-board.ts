/**
 * Wi-Fi on the board over the raw REPL: scan, connect (waiting on the board for the outcome and naming
 * it by the port's own status constants), and the station interface's state. The ESP32 port retries a
 * failed association for ever unless `config(reconnects=N)` bounds it, so connect bounds it while it
 * waits (and lifts the bound once connected, so a later drop is retried as usual).
 */
import { UpyflashError } from '../errors.js';
import { parsePyLiteral, pyStr, type PyValue } from '../repl/python-literal.js';
import type { RawRepl } from '../repl/raw-repl.js';

export interface WifiNetwork {
  ssid: string;
  channel: number;
  rssi: number;
  /** network.AUTH_* value: 0 is an open network. */
  authmode: number;
}

export interface WifiConnection {
  ssid: string;
  ip: string;
  netmask: string;
  gateway: string;
  dns: string;
}

const NO_RADIO_MARK = 'UPYFLASH-NO-RADIO';
/** Imports network or reports that the firmware has none (a build without Wi-Fi). */
const IMPORT_NETWORK = `try:\r\n import network\r\nexcept ImportError:\r\n network=None\r\n print('${NO_RADIO_MARK}')\r\n`;

function noRadio(out: string): boolean {
  return out.includes(NO_RADIO_MARK);
}

function radioMissing(): UpyflashError {
  return new UpyflashError('WIFI_NO_RADIO', 'The firmware on this board has no network module (no Wi-Fi)');
}

function decodeSsid(v: PyValue): string {
  return v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);
}

export async function scanNetworks(repl: RawRepl): Promise<WifiNetwork[]> {
  const raw = await repl.execOk(
    `${IMPORT_NETWORK}if network:\r\n w=network.WLAN(network.STA_IF)\r\n w.active(True)\r\n print(repr([(s[0],s[2],s[3],s[4]) for s in w.scan()]))`,
    { timeoutMs: 20_000 },
  );
  const out = new TextDecoder().decode(raw);
  if (noRadio(out)) throw radioMissing();
  const list = parsePyLiteral(raw);
  if (!Array.isArray(list)) throw new UpyflashError('REPL_ERROR', `Unexpected scan result: ${out}`);
  const best = new Map<string, WifiNetwork>();
  for (const t of list) {
    if (!Array.isArray(t)) continue;
    const n: WifiNetwork = { ssid: decodeSsid(t[0]!), channel: Number(t[1]), rssi: Number(t[2]), authmode: Number(t[3]) };
    // Several access points of one network (a mesh) show once, at the strongest.
    const seen = best.get(n.ssid);
    if (n.ssid !== '' && (!seen || seen.rssi < n.rssi)) best.set(n.ssid, n);
  }
  return [...best.values()].sort((a, b) => b.rssi - a.rssi);
}

export async function connectWifi(repl: RawRepl, ssid: string, password: string, opts: { timeoutMs?: number } = {}): Promise<WifiConnection> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const code =
    IMPORT_NETWORK +
    'if network:\r\n' +
    ' import time\r\n' +
    ' w=network.WLAN(network.STA_IF)\r\n' +
    ' w.active(True)\r\n' +
    ' try:\r\n  w.config(reconnects=3)\r\n except Exception:\r\n  pass\r\n' +
    ` w.connect(${pyStr(ssid)},${pyStr(password)})\r\n` +
    " bad=(getattr(network,'STAT_WRONG_PASSWORD',-1),getattr(network,'STAT_NO_AP_FOUND',-1),getattr(network,'STAT_CONNECT_FAIL',-1))\r\n" +
    ' t=time.ticks_ms()\r\n' +
    ` while not w.isconnected() and w.status() not in bad and time.ticks_diff(time.ticks_ms(),t)<${timeoutMs}:\r\n` +
    '  time.sleep_ms(100)\r\n' +
    ' ok=w.isconnected()\r\n' +
    ' s=w.status()\r\n' +
    ' if ok:\r\n  try:\r\n   w.config(reconnects=0)\r\n  except Exception:\r\n   pass\r\n else:\r\n  w.disconnect()\r\n' +
    ' print(repr((ok,s,w.ifconfig(),bad)))';
  const raw = await repl.execOk(code, { timeoutMs: timeoutMs + 10_000 });
  const out = new TextDecoder().decode(raw);
  if (noRadio(out)) throw radioMissing();
  const v = parsePyLiteral(raw);
  if (!Array.isArray(v) || !Array.isArray(v[2]) || !Array.isArray(v[3])) throw new UpyflashError('REPL_ERROR', `Unexpected connect result: ${out}`);
  const [ok, status, ifconfig, bad] = v as [boolean, number, string[], number[]];
  if (ok) {
    const [ip = '', netmask = '', gateway = '', dns = ''] = ifconfig;
    return { ssid, ip, netmask, gateway, dns };
  }
  const details = { ssid, status };
  if (status === bad[0]) throw new UpyflashError('WIFI_WRONG_PASSWORD', `${ssid} refused the password (status ${status})`, { details });
  if (status === bad[1]) throw new UpyflashError('WIFI_NO_NETWORK', `No network named "${ssid}" in range (status ${status})`, { details });
  if (status === bad[2]) throw new UpyflashError('WIFI_TIMEOUT', `Connecting to ${ssid} failed (status ${status})`, { details });
  throw new UpyflashError('WIFI_TIMEOUT', `Not connected to ${ssid} after ${Math.round(timeoutMs / 1000)} s (status ${status})`, { details });
}

/** The station interface now: connected network and address, or undefined when not connected. */
export async function wifiStatus(repl: RawRepl): Promise<WifiConnection | undefined> {
  const raw = await repl.execOk(`${IMPORT_NETWORK}if network:\r\n w=network.WLAN(network.STA_IF)\r\n print(repr(w.isconnected() and (w.config('ssid'),w.ifconfig())))`);
  if (noRadio(new TextDecoder().decode(raw))) throw radioMissing();
  const v = parsePyLiteral(raw);
  if (!Array.isArray(v)) return undefined;
  const [ssid, ifconfig] = v as [string, string[]];
  const [ip = '', netmask = '', gateway = '', dns = ''] = ifconfig;
  return { ssid, ip, netmask, gateway, dns };
}
