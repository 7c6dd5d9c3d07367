import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { UpyflashError } from '../../errors.js';
import { connectWifi, scanNetworks, wifiStatus } from '../../wifi/wifi-board.js';
import { forgetWifi, rememberWifi, WIFI_FILE } from '../../wifi/remember.js';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { promptSecret } from '../secret-prompt.js';
import { withRawRepl } from './repl.js';

interface WifiOptions extends GlobalOptions {
  port?: string;
  passwordFile?: string;
  remember?: boolean;
  timeout?: string;
}

const PORT_HELP = 'serial port, socket://HOST:PORT, rfc2217://HOST:PORT or virtual:CHIP';
const AUTH = ['open', 'WEP', 'WPA', 'WPA2', 'WPA/WPA2', 'WPA2-Enterprise', 'WPA3', 'WPA2/WPA3'];

export function register(program: Command): void {
  const wifi = program.command('wifi').description("the board's Wi-Fi: scan, connect (and remember at boot), status, forget");

  wifi
    .command('scan')
    .description('list the Wi-Fi networks the board can see')
    .option('-p, --port <port>', PORT_HELP)
    .action(async (_o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<WifiOptions>();
      await runCommand(opts, async (io) => {
        const networks = await withRawRepl(opts.port, io, {}, (repl) => scanNetworks(repl));
        if (networks.length === 0) io.print('no networks in range');
        for (const n of networks) io.print(`${n.ssid.padEnd(32)} ${String(n.rssi).padStart(4)} dBm  ch ${String(n.channel).padStart(2)}  ${AUTH[n.authmode] ?? n.authmode}`);
        return { result: { networks } };
      });
    });

  wifi
    .command('connect')
    .description('connect the board to a network and print its IP address (asks for the password)')
    .argument('<ssid>', 'network name (case-sensitive)')
    .option('-p, --port <port>', PORT_HELP)
    .option('--password-file <file>', 'read the password from the first line of FILE instead of asking')
    .option('--remember', `keep the credentials in ${WIFI_FILE} and connect at every boot (a marked block in boot.py)`)
    .option('--timeout <seconds>', 'how long to wait for the connection', '20')
    .action(async (ssid: string, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<WifiOptions>();
      await runCommand(opts, async (io) => {
        const timeoutMs = Number(opts.timeout ?? 20) * 1000;
        if (!(timeoutMs > 0)) throw new UpyflashError('BAD_ARGUMENT', `--timeout ${opts.timeout} is not a number of seconds`);
        const password = opts.passwordFile !== undefined ? await passwordFrom(opts.passwordFile) : await promptSecret(`Password for ${ssid} (empty for an open network): `);
        const conn = await withRawRepl(opts.port, io, {}, async (repl) => {
          io.reporter.phase('connect', `Connecting to ${ssid}`);
          const c = await connectWifi(repl, ssid, password, { timeoutMs });
          if (opts.remember) {
            await rememberWifi(repl, ssid, password);
            io.reporter.info(`Remembered: the board connects to ${ssid} at every boot (boot.py block, ${WIFI_FILE})`);
          }
          return c;
        });
        io.print(`connected to ${conn.ssid}: IP ${conn.ip} (gateway ${conn.gateway})`);
        return { result: { ...conn, remembered: Boolean(opts.remember) } };
      });
    });

  wifi
    .command('status')
    .description("the board's Wi-Fi connection now")
    .option('-p, --port <port>', PORT_HELP)
    .action(async (_o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<WifiOptions>();
      await runCommand(opts, async (io) => {
        const conn = await withRawRepl(opts.port, io, {}, (repl) => wifiStatus(repl));
        io.print(conn ? `connected to ${conn.ssid}: IP ${conn.ip}` : 'not connected');
        return { result: { connected: conn !== undefined, ...(conn ?? {}) } };
      });
    });

  wifi
    .command('forget')
    .description(`remove the boot.py block and ${WIFI_FILE} that --remember wrote`)
    .option('-p, --port <port>', PORT_HELP)
    .action(async (_o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<WifiOptions>();
      await runCommand(opts, async (io) => {
        const removed = await withRawRepl(opts.port, io, {}, (repl) => forgetWifi(repl));
        io.print(removed ? 'forgotten: the board no longer connects at boot' : 'nothing remembered on this board');
        return { result: { removed } };
      });
    });
}

async function passwordFrom(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split(/\r?\n/)[0] ?? '';
  } catch (e) {
    throw new UpyflashError('FILE_ERROR', `Cannot read the password file ${file}: ${(e as Error).message}`, { cause: e });
  }
}
