/**
 * `doctor`, and the E001 hint every board verb gives, as a Windows or macOS user sees them: the CLI
 * runs with a node-serialport listing recorded on that OS (UPYFLASH_TEST_PORT_LISTING). A CH340
 * without its driver has no COM port at all on Windows, so the advice is inferred from "no board port".
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { UpyflashError } from '../../src/errors.js';
import { explainFailure, runHostChecks, type HostFacts } from '../../src/doctor/index.js';
import { fromSerialportList } from '../../src/ports/node/list.js';
import { cliJson, describeRun, runCli, type CliResult } from '../../harness/cli-run.js';
import { projectRoot } from '../../harness/paths.js';

interface ReportedFinding {
  check: string;
  status: string;
  code: string | null;
  message: string;
  fix: string | null;
}

const onOs = (listing: string, args: string[]): Promise<CliResult> =>
  runCli(args, { env: { ...process.env, UPYFLASH_TEST_PORT_LISTING: join(projectRoot, 'test', 'fixtures', 'ports', `${listing}.json`) } });

async function doctorChecks(listing: string, ...args: string[]): Promise<{ run: CliResult; checks: ReportedFinding[] }> {
  const run = await onOs(listing, ['--json', 'doctor', '--no-probe', ...args]);
  return { run, checks: cliJson<{ checks: ReportedFinding[] }>(run).result?.checks ?? [] };
}

/** The Windows advice for a driverless board: where it shows, and the CH340 driver named before the CP210x one. */
function assertWindowsDriverAdvice(text: string): void {
  assert.match(text, /Device Manager/);
  assert.match(text, /CH340.*CH341SER/);
  assert.ok(text.indexOf('CH341SER') < text.indexOf('CP210x Universal Windows Driver'), text);
  assert.match(text, /charge-only/);
  assert.doesNotMatch(text, /modprobe|dialout|\/dev\//);
}

test('Windows, CH340 without driver (no COM port at all): doctor fails usb-serial with E001 and names the CH340 driver', async () => {
  const { run, checks } = await doctorChecks('windows-empty');
  assert.equal(run.code, 3, describeRun(run));
  const usb = checks.find((c) => c.check === 'usb-serial');
  assert.equal(usb?.status, 'fail');
  assert.equal(usb?.code, 'E001');
  assertWindowsDriverAdvice(usb?.fix ?? '');
});

test('Windows, CH340 without driver: every board verb stops with E001 whose hint names CH341SER', async () => {
  const run = await onOs('windows-empty', ['--json', 'detect']);
  assert.equal(run.code, 3, describeRun(run));
  const error = cliJson(run).error;
  assert.equal(error?.code, 'E001');
  assertWindowsDriverAdvice(error?.hint ?? '');
});

test('Windows with only the motherboard COM1: the board may be COM1 (use --port) or have no driver yet', async () => {
  const run = await onOs('windows-no-driver', ['--json', 'detect']);
  assert.equal(run.code, 3, describeRun(run));
  const error = cliJson(run).error;
  assert.equal(error?.code, 'E001');
  assert.match(error?.message ?? '', /COM1/);
  assert.match(error?.hint ?? '', /pass it with --port/);
  assertWindowsDriverAdvice(error?.hint ?? '');

  const { checks } = await doctorChecks('windows-no-driver');
  const esp = checks.find((c) => c.check === 'esp-port');
  assert.equal(esp?.status, 'warn');
  assertWindowsDriverAdvice(esp?.fix ?? '');
});

test('macOS without a working driver: E001 says the drivers are built in, to drop old vendor drivers and to use /dev/cu.*', async () => {
  const run = await onOs('macos-no-driver', ['--json', 'detect']);
  assert.equal(run.code, 3, describeRun(run));
  const error = cliJson(run).error;
  assert.equal(error?.code, 'E001');
  const hint = error?.hint ?? '';
  assert.match(hint, /CH340: Built into macOS/);
  assert.match(hint, /remove any old WCH driver/);
  assert.match(hint, /\/dev\/cu\.\* name of the port, not \/dev\/tty\.\*/);
  assert.doesNotMatch(hint, /Device Manager|modprobe|dialout/);
});

test('Windows: a --port that is not listed fails port-node with the COM ports that exist; listed ones claim nothing they cannot know', async () => {
  const missing = await doctorChecks('windows', '--port', 'COM4');
  const node = missing.checks.find((c) => c.check === 'port-node');
  assert.equal(node?.code, 'E002');
  assert.match(node?.fix ?? '', /COM3, COM5, COM7, COM9/);

  // Whether COM5 opens is only known by opening it, so no access or busy verdict from a listing.
  const present = await doctorChecks('windows', '--port', 'com5');
  assert.deepEqual(
    present.checks.filter((c) => ['port-node', 'port-access', 'port-free'].includes(c.check)),
    [],
    JSON.stringify(present.checks),
  );
});

test('the same facts give each OS its own words (pure checks, no subprocess)', () => {
  const facts = (os: HostFacts['os']): HostFacts => ({ os, ports: [], nodes: [], interferers: [], systemGroups: [] });
  const hint = (os: HostFacts['os']) => explainFailure(new UpyflashError('NO_PORTS'), facts(os)).hint;
  assert.match(hint('windows'), /CH341SER/);
  assert.match(hint('macos'), /\/dev\/cu\.\*/);
  // Linux keeps its own advice (it has sysfs facts to be specific with; here none were gathered).
  assert.doesNotMatch(hint('linux'), /Device Manager|System Information/);

  const windowsBoard = fromSerialportList([{ path: 'COM5', pnpId: 'USB\\VID_1A86&PID_7523\\5&2A1A5A3B&0&2' }], 'win32');
  const found = runHostChecks({ ...facts('windows'), ports: windowsBoard });
  assert.deepEqual(
    found.map((f) => [f.check, f.status]),
    [
      ['usb-serial', 'ok'],
      ['esp-port', 'ok'],
    ],
  );
  assert.match(found[1]!.message, /COM5 \(WCH CH340 \[1a86:7523\]\)/);
});
