/**
 * The web flasher page: wires the steps (connect, firmware, flash, then files, editor and console) to the library. All work is
 * done by the same modules the CLI uses (flash-flow.ts composes them); this file only decides what is
 * enabled, what is shown, and where focus goes next.
 */
import { CHIPS } from '../../chips/index.js';
import type { ChipId } from '../../chips/types.js';
import { Reporter, type ProgressSink } from '../../progress.js';
import type { Transport } from '../../transport/transport.js';
import { UpyflashError } from '../../errors.js';
import { CatalogClient } from '../catalog-client.js';
import { connectBoard, flashAndBoot, type ConnectedBoard, type FlowOptions } from '../flash-flow.js';
import type { BeforeMode } from '../../flasher/reset.js';
import type { AutoBaud } from '../../flasher/auto-baud.js';
import { formatBytes } from '../progress-view.js';
import { pageHint } from '../hint-actions.js';
import { byId } from './dom.js';
import { FirmwarePicker } from './firmware-picker.js';
import { LogPanel } from './log-panel.js';
import { ProgressPanel } from './progress-panel.js';
import { ReplConsole } from './repl-console.js';
import { PlotPanel } from './plot-panel.js';
import { Workspace } from './workspace.js';
import type { LedSource } from './board-led.js';
import { bootCheck } from '../../repl/boot-check.js';
import { browserStub } from './stub-source.js';
import { requestSerialTransport, serialSupport } from './serial-port.js';

const els = {
  connectSerial: byId('connect-serial', HTMLButtonElement),
  connectDemo: byId('connect-demo', HTMLButtonElement),
  connectRunning: byId('connect-running', HTMLInputElement),
  demoChip: byId('demo-chip', HTMLSelectElement),
  serialSupport: byId('serial-support', HTMLParagraphElement),
  boardInfo: byId('board-info', HTMLDListElement),
  infoChip: byId('info-chip', HTMLElement),
  infoMac: byId('info-mac', HTMLElement),
  infoFlash: byId('info-flash', HTMLElement),
  infoPort: byId('info-port', HTMLElement),
  disconnect: byId('disconnect', HTMLButtonElement),
  erase: byId('erase-all', HTMLInputElement),
  flash: byId('flash', HTMLButtonElement),
  banner: byId('banner', HTMLParagraphElement),
  progressStep: byId('progress-step', HTMLElement),
  version: byId('app-version', HTMLSpanElement),
};

const log = new LogPanel();
const progress = new ProgressPanel();
const sink: ProgressSink = {
  emit(e) {
    log.event(e);
    progress.event(e);
  },
};
const reporter = new Reporter(sink);

interface Connection {
  readonly transport: Transport;
  readonly demo: boolean;
  readonly options: FlowOptions;
  /** The loader session; undefined once the board was reset into MicroPython (reconnect to flash again). */
  board: ConnectedBoard | undefined;
  /** The demo board's LED, when the virtual board models pins. */
  led?: LedSource | undefined;
}

let connection: Connection | undefined;
let busy = false;

const replConsole = new ReplConsole((e) => {
  fail(e);
  void disconnect();
});

new PlotPanel(replConsole);

const workspace = new Workspace(replConsole, reporter, (e) => {
  fail(e);
  void disconnect();
});

const catalogClient = new CatalogClient(location.href);
const health = await catalogClient.health();
if (health) els.version.textContent = `v${health.version}`;
const picker = new FirmwarePicker(health?.catalog ? catalogClient : undefined, () => refresh(), (e) => fail(e));

for (const chip of CHIPS) els.demoChip.append(new Option(chip.name, chip.id));
els.demoChip.value = 'esp32';

const support = serialSupport();
if (!support.available) {
  els.serialSupport.textContent = support.reason;
  els.serialSupport.hidden = false;
}

els.connectSerial.addEventListener('click', () => void run(connectSerial));
els.connectDemo.addEventListener('click', () => void run(connectDemo));
els.disconnect.addEventListener('click', () => void run(disconnect));
els.flash.addEventListener('click', () => void run(flash));
refresh();
progress.idle(support.available ? 'Connect a board to begin.' : 'Try the demo board to begin.');

async function connectSerial(): Promise<HTMLElement | undefined> {
  const picked = await requestSerialTransport();
  if (!picked) return undefined; // the user closed the port picker
  if (els.connectRunning.checked) return openRunning(picked.transport, { demo: false, before: picked.before }, undefined);
  return attach(picked.transport, { demo: false, before: picked.before, autoBaud: picked.autoBaud });
}

async function connectDemo(): Promise<HTMLElement | undefined> {
  const chipId = els.demoChip.value as ChipId;
  progress.status('Starting the demo board…');
  // Loaded on demand: the virtual board and MicroPython's wasm are only for the demo.
  const { openDemoBoard, reopenDemoBoard } = await import('./demo-board.js');
  if (els.connectRunning.checked) {
    const running = reopenDemoBoard(chipId);
    if (!running) {
      throw new UpyflashError('BAD_ARGUMENT', `The demo ${els.demoChip.selectedOptions[0]?.text ?? chipId} has no MicroPython yet`, {
        hint: 'Untick "It already runs MicroPython", then Try the demo board and Flash it first.',
      });
    }
    return openRunning(running.transport, { demo: true, before: 'default-reset' }, running.led);
  }
  const demo = await openDemoBoard(chipId);
  const focus = await attach(demo.transport, { demo: true, before: 'default-reset' });
  if (connection) connection.led = demo.led;
  return focus;
}

async function attach(transport: Transport, how: { demo: boolean; before: BeforeMode; autoBaud?: AutoBaud }): Promise<HTMLElement> {
  await disconnect();
  const demo = how.demo;
  const options: FlowOptions = { stubProvider: browserStub, before: how.before, ...(how.autoBaud ? { autoBaud: how.autoBaud } : {}) };
  connection = { transport, demo, options, board: undefined };
  try {
    const board = await connectBoard(transport, options, reporter);
    connection.board = board;
    showBoard(board, demo);
    progress.done(`Connected: ${board.facts.description}`, 'Connected. Choose the firmware, then Flash.');
    await picker.setBoard(board.facts.chip, demo, board.facts);
    return els.flash;
  } catch (e) {
    await disconnect();
    throw e;
  }
}

async function flash(): Promise<HTMLElement> {
  const conn = connection;
  if (!conn) throw new UpyflashError('DISCONNECTED', 'No board is connected');
  await replConsole.detach();
  await workspace.close();
  els.banner.hidden = true;
  // On a phone the progress is below the fold: bring it into view while the job runs.
  els.progressStep.scrollIntoView({ block: 'start', behavior: 'smooth' });
  const picked = await picker.pick(reporter);
  // After a flash the board runs MicroPython: bring it back into the loader first.
  conn.board ??= await connectBoard(conn.transport, conn.options, reporter);
  const board = conn.board;
  conn.board = undefined;
  const { result, boot } = await flashAndBoot(board, { firmware: picked.firmware, eraseAll: els.erase.checked }, reporter);
  const how = result.skippedBytes > 0 ? `, ${formatBytes(result.skippedBytes)} already matched` : '';
  progress.done(
    `${result.verified ? 'Flashed and verified' : 'Flashed (not verified)'}: ${picked.name}, ${formatBytes(result.imageBytes)} at 0x${result.address.toString(16)}${how}. MicroPython v${boot.version} is running.`,
    'Done: MicroPython is running. Type Python below.',
  );
  els.banner.textContent = boot.banner;
  els.banner.hidden = false;
  replConsole.attach(conn.transport, new TextEncoder().encode(boot.banner + '\r\n'));
  // A fresh prompt: the banner's own prompt was consumed by the boot check.
  await conn.transport.write(new TextEncoder().encode('\r'));
  await workspace.open(conn.transport, conn.led);
  return replConsole.inputElement;
}

async function disconnect(): Promise<void> {
  const conn = connection;
  connection = undefined;
  await workspace.close();
  await replConsole.detach();
  if (conn) {
    await conn.transport.close().catch(() => undefined);
    log.add('info', `Disconnected from ${conn.transport.name}`);
  }
  els.boardInfo.hidden = true;
  els.disconnect.hidden = true;
  els.banner.hidden = true;
  await picker.setBoard(undefined, false);
}

/**
 * A board that already runs MicroPython: opened at the REPL's speed without the reset into download
 * mode, so its files, editor and console are there without flashing (Flash still works afterwards).
 */
async function openRunning(transport: Transport, how: { demo: boolean; before: BeforeMode }, led: LedSource | undefined): Promise<HTMLElement> {
  await disconnect();
  connection = { transport, demo: how.demo, options: { stubProvider: browserStub, before: how.before }, board: undefined, led };
  try {
    await transport.open();
    progress.status('Asking the board for its MicroPython prompt…');
    // Ctrl-C stops a running program, Ctrl-B prints the banner again (the boot check reads it).
    await transport.write(new TextEncoder().encode('\r\x03\x03\r\x02'));
    const boot = await bootCheck(transport, { timeoutMs: 5000 }, reporter);
    const unread = 'not read (no download mode)';
    els.infoChip.textContent = boot.mcuName;
    els.infoMac.textContent = unread;
    els.infoFlash.textContent = unread;
    els.infoPort.textContent = how.demo ? `${transport.name} — simulated in this page` : transport.name;
    els.boardInfo.hidden = false;
    els.disconnect.hidden = false;
    els.banner.textContent = boot.banner;
    els.banner.hidden = false;
    progress.done(`Opened without flashing: MicroPython v${boot.version} on ${boot.boardName} with ${boot.mcuName}`, 'MicroPython is running: its files are below.');
    replConsole.attach(transport, new TextEncoder().encode(boot.banner + '\r\n'));
    await transport.write(new TextEncoder().encode('\r'));
    await workspace.open(transport, led);
    // The banner names the chip, so Flash can be offered too (it resets into download mode then).
    await picker.setBoard(CHIPS.find((c) => c.mcuName === boot.mcuName), how.demo);
    return byId('fs-refresh', HTMLButtonElement);
  } catch (e) {
    await disconnect();
    throw e;
  }
}

function showBoard(board: ConnectedBoard, demo: boolean): void {
  const f = board.facts;
  els.infoChip.textContent = f.description;
  els.infoMac.textContent = f.mac ?? 'unknown';
  els.infoFlash.textContent = f.flashSizeBytes !== undefined ? formatBytes(f.flashSizeBytes) : 'unknown';
  els.infoPort.textContent = demo ? `${f.port} — simulated in this page` : f.port;
  els.boardInfo.hidden = false;
  els.disconnect.hidden = false;
}

/**
 * Runs one user action: one at a time, errors shown with code and hint, buttons reflecting state. The
 * action names where keyboard focus goes next (focused after the buttons are enabled again).
 */
async function run(action: () => Promise<HTMLElement | undefined | void>): Promise<void> {
  if (busy) return;
  busy = true;
  progress.clear();
  refresh();
  let next: HTMLElement | undefined | void;
  try {
    next = await action();
  } catch (e) {
    fail(e);
    next = progress.errorElement;
  } finally {
    busy = false;
    refresh();
  }
  next?.focus();
}

function fail(e: unknown): void {
  const err = progress.error(e);
  log.add('error', `error ${err.code}: ${err.message}`);
  log.add('error', `hint: ${pageHint(err)}`);
}

function refresh(): void {
  els.connectSerial.disabled = busy || !support.available;
  els.connectDemo.disabled = busy;
  els.connectRunning.disabled = busy;
  els.demoChip.disabled = busy;
  els.disconnect.disabled = busy;
  els.flash.disabled = busy || connection === undefined || !picker.ready;
}

