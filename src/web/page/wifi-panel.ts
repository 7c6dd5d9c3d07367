import { connectWifi, scanNetworks } from '../../wifi/wifi-board.js';
import { rememberWifi } from '../../wifi/remember.js';
import type { BoardSession } from './board-session.js';
import { byId } from './dom.js';
import { SessionPanel } from './session-panel.js';

/**
 * "Connect to Wi-Fi" once MicroPython runs, as ESP Web Tools offers after a flash: scan, pick or type a
 * network, connect (the board prints its address), optionally remember it at boot. The same board code
 * as `upyflash wifi`, so the page shows the same error codes.
 */
export class WifiPanel extends SessionPanel {
  private readonly scanButton = byId('wifi-scan', HTMLButtonElement);
  private readonly ssid = byId('wifi-ssid', HTMLInputElement);
  private readonly password = byId('wifi-password', HTMLInputElement);
  private readonly remember = byId('wifi-remember', HTMLInputElement);
  private readonly connectButton = byId('wifi-connect', HTMLButtonElement);
  private readonly options = byId('wifi-networks', HTMLDataListElement);
  private readonly list = byId('wifi-list', HTMLUListElement);
  private readonly status = byId('wifi-status', HTMLParagraphElement);

  constructor() {
    super('wifi-error');
    this.scanButton.addEventListener('click', () => void this.job((session) => this.scan(session)));
    this.connectButton.addEventListener('click', () => void this.job((session) => this.connect(session)));
    this.setEnabled();
  }

  private async scan(session: BoardSession): Promise<void> {
    this.status.textContent = 'Scanning…';
    const networks = await session.raw((_fs, repl) => scanNetworks(repl));
    this.options.replaceChildren(...networks.map((n) => new Option(n.ssid)));
    this.list.replaceChildren(
      ...networks.map((n) => {
        const li = document.createElement('li');
        const pick = document.createElement('button');
        pick.type = 'button';
        pick.className = 'name';
        pick.textContent = n.ssid;
        pick.addEventListener('click', () => {
          this.ssid.value = n.ssid;
          (n.authmode === 0 ? this.connectButton : this.password).focus();
        });
        li.append(pick, ` ${n.rssi} dBm${n.authmode === 0 ? ', open' : ''}`);
        return li;
      }),
    );
    this.status.textContent = networks.length ? `${networks.length} network(s) in range.` : 'No networks in range.';
  }

  private async connect(session: BoardSession): Promise<void> {
    const ssid = this.ssid.value;
    const password = this.password.value;
    this.status.textContent = `Connecting to ${ssid}…`;
    const conn = await session.raw(async (_fs, repl) => {
      const c = await connectWifi(repl, ssid, password);
      if (this.remember.checked) await rememberWifi(repl, ssid, password);
      return c;
    });
    this.status.textContent = `Connected to ${conn.ssid}: IP ${conn.ip}${this.remember.checked ? ' (reconnects at every boot)' : ''}.`;
  }

  protected setEnabled(): void {
    const idle = this.idle;
    for (const c of [this.scanButton, this.ssid, this.password, this.remember, this.connectButton]) c.disabled = !idle;
  }
}
