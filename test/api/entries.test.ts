import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { projectRoot } from '../../harness/paths.js';

/**
 * The package's two entries as a user imports them (by package name, through package.json "exports"):
 * `upyflash` must stay browser-safe, `upyflash/node` adds the Node-only parts and repeats the rest.
 */

type Api = Record<string, unknown>;
const importApi = (specifier: string): Promise<Api> => import(specifier) as Promise<Api>;

/** Every module specifier a compiled module imports or re-exports, static or dynamic. */
function specifiersOf(file: string): string[] {
  const js = readFileSync(file, 'utf8');
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm, // import … from, export … from
    /^\s*import\s*['"]([^'"]+)['"]/gm, // import for side effects
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, // import('…')
  ];
  return patterns.flatMap((p) => [...js.matchAll(p)].map((m) => m[1]!));
}

/** Walks the compiled module graph from `entry` and returns the packages and builtins it reaches, with who imports them. */
function externalImports(entry: string): Map<string, string> {
  const seen = new Set<string>();
  const external = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of specifiersOf(file)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else if (!external.has(spec)) external.set(spec, file);
    }
  }
  return external;
}

test('the main entry reaches no Node built-in and no Node-only package', () => {
  const external = externalImports(join(projectRoot, 'dist', 'src', 'index.js'));
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
