import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { reachFrom } from '../../harness/import-graph.js';
import { projectRoot } from '../../harness/paths.js';

/**
 * The package's two entries as a user imports them (by package name, through package.json "exports"):
 * `upyflash` must stay browser-safe, `upyflash/node` adds the Node-only parts and repeats the rest.
 */

type Api = Record<string, unknown>;
const importApi = (specifier: string): Promise<Api> => import(specifier) as Promise<Api>;

test('the main entry reaches no Node built-in and no Node-only package', () => {
  const { external } = reachFrom(join(projectRoot, 'dist', 'src', 'index.js'));
  const nodeOnly = [...external].filter(([spec]) => isBuiltin(spec) || spec === 'serialport' || spec.startsWith('serialport/'));
  assert.deepEqual(nodeOnly.map(([spec, from]) => `${spec} (from ${from.slice(projectRoot.length + 1)})`), []);
});

test('upyflash exports the jobs, codecs and data a browser program needs', async () => {
  const api = await importApi('upyflash');
  for (const name of ['connect', 'FlasherSession', 'UpyflashError', 'Reporter', 'chipById', 'slipEncode', 'LoaderLink', 'parseStubJson', 'webSerialTransport', 'endpointTransport', 'analyzeFirmware', 'validateFirmware', 'RawRepl', 'bootCheck', 'FirmwareCatalog', 'resolveFirmwareWith', 'runHostChecks', 'describePort', 'concatBytes', 'parseTransportSpec']) {
    assert.equal(typeof api[name], 'function', `upyflash exports ${name}`);
  }
  for (const name of ['openTransport', 'listPorts', 'esptoolJsStub', 'nodeDeflate']) {
    assert.equal(api[name], undefined, `${name} is Node-only and stays out of the main entry`);
  }
});

test('upyflash/node repeats the main entry and adds the Node-only parts', async () => {
  const main = await importApi('upyflash');
  const node = await importApi('upyflash/node');
  for (const [name, value] of Object.entries(main)) assert.equal(node[name], value, `upyflash/node re-exports ${name}`);
  for (const name of ['openTransport', 'SerialPortTransport', 'SocketTransport', 'Rfc2217Transport', 'listPorts', 'esptoolJsStub', 'loadStubImage', 'nodeDeflate', 'resolveFirmware', 'backupBoardFiles', 'gatherHostFacts']) {
    assert.equal(typeof node[name], 'function', `upyflash/node exports ${name}`);
  }
});

test('through upyflash/node alone a program opens a virtual board, uploads the stub and identifies the chip', async () => {
  const api = (await importApi('upyflash/node')) as unknown as typeof import( '../../src/node.js');
  assert.deepEqual(api.parseTransportSpec('virtual:esp32'), { kind: 'virtual', chip: 'esp32' });
  const transport = await api.openTransport('virtual:esp32', { baud: 115200, virtual: { linkModel: false, flashTiming: false } });
  const phases: string[] = [];
  const session = await api.connect(transport, { stubProvider: api.esptoolJsStub, deflate: api.nodeDeflate(9) }, new api.Reporter({ emit: (e) => void (e.type === 'log' || phases.push(e.phase)) }));
  try {
    assert.equal(session.chip.id, 'esp32');
    await session.ensureStub();
    assert.equal(session.usingStub, true);
    assert.ok(phases.includes('stub'), `stub upload reported (${[...new Set(phases)].join(', ')})`);
  } finally {
    await session.close('no-reset');
  }
});
