import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { chainTo, compiledModules, reachFrom, specifiersOf } from '../../harness/import-graph.js';
import { projectRoot } from '../../harness/paths.js';

/**
 * ARCHITECTURE.md's floor: transport/ defines the Transport and the endpoint a device implements and
 * imports nothing above it; opening ports from a string (which may power a virtual board) is Node
 * assembly in transport/node/. The virtual board is a device beside the stack and never reaches the
 * client's flasher/. Node-only code sits in node/ folders. Checked on the compiled graph (dist/),
 * type-only imports included through the .d.ts files.
 */

const distSrc = join(projectRoot, 'dist', 'src');
const under = (file: string, folder: string): boolean => file.startsWith(join(distSrc, folder) + sep);
const inNodeFolder = (file: string): boolean => relative(distSrc, file).split(sep).includes('node');
const isNodeOnly = (spec: string): boolean => isBuiltin(spec) || spec === 'serialport' || spec.startsWith('serialport/');
const show = (file: string): string => relative(distSrc, file);

const transportModules = compiledModules(join(distSrc, 'transport')).filter((f) => !under(f, join('transport', 'node')));

test('the walk sees the browser-safe transport modules and follows dynamic imports', () => {
  const names = transportModules.map(show);
  for (const name of ['transport/transport.js', 'transport/spec.js', 'transport/endpoint.js', 'transport/endpoint-transport.js', 'transport/refinding-transport.js']) {
    assert.ok(names.includes(name.split('/').join(sep)), `${name} is compiled and checked`);
  }
  // openTransport loads the virtual board only through import('./virtual.js'): a walk that missed
  // dynamic imports would see none of it and let the checks below pass for the wrong reason.
  const opener = reachFrom(join(distSrc, 'transport', 'node', 'open.js'), { types: true });
  assert.ok([...opener.modules.keys()].some((f) => under(f, 'virtual-board')), 'transport/node/open.js reaches the virtual board');
  assert.ok(opener.external.has('node:net'), 'transport/node/open.js reaches node:net');
});

test('transport/ outside node/ reaches no Node module and nothing in flasher/, virtual-board/ or transport/node/', () => {
  const forbidden = (file: string | undefined): boolean =>
    file !== undefined && ['flasher', 'virtual-board', join('transport', 'node')].some((folder) => under(file, folder));
  // One entry per import that crosses the line (with one chain that leads to it), not one for every
  // module behind it or every start that reaches it.
  const violations = new Map<string, string>();
  for (const start of transportModules) {
    const reach = reachFrom(start, { types: true });
    for (const [file, importer] of reach.modules) {
      if (forbidden(file) && !forbidden(importer)) violations.set(`${importer} ${file}`, violations.get(`${importer} ${file}`) ?? chainTo(reach, file, distSrc));
    }
    for (const [spec, from] of reach.external) {
      if (isNodeOnly(spec)) violations.set(`${from} ${spec}`, violations.get(`${from} ${spec}`) ?? `${chainTo(reach, from, distSrc)} -> ${spec}`);
    }
  }
  assert.deepEqual([...violations.values()], []);
});

test('transport/ outside node/ imports only the floor: transport/, chips/, platform/, errors and progress', () => {
  const allowed = (target: string): boolean =>
    (under(target, 'transport') && !under(target, join('transport', 'node'))) ||
    under(target, 'chips') ||
    (under(target, 'platform') && !inNodeFolder(target)) ||
    target === join(distSrc, 'errors.js') ||
    target === join(distSrc, 'progress.js');
  const violations: string[] = [];
  for (const file of transportModules) {
    const declaration = file.replace(/\.js$/, '.d.ts');
    for (const spec of [...specifiersOf(file), ...specifiersOf(declaration)]) {
      if (spec.startsWith('.') && !allowed(resolve(dirname(file), spec))) violations.push(`${show(file)} -> ${spec}`);
    }
  }
  assert.deepEqual([...new Set(violations)], []);
});

test('virtual-board/ reaches nothing in flasher/', () => {
  const violations = new Map<string, string>();
  for (const start of compiledModules(join(distSrc, 'virtual-board'))) {
    const reach = reachFrom(start, { types: true });
    for (const [file, importer] of reach.modules) {
      if (!under(file, 'flasher') || (importer !== undefined && under(importer, 'flasher'))) continue;
      violations.set(`${importer} ${file}`, violations.get(`${importer} ${file}`) ?? chainTo(reach, file, distSrc));
    }
  }
  assert.deepEqual([...violations.values()], []);
});

test('modules that import a Node built-in or serialport live in a node/ folder (cli/ and the upyflash/node entry are Node by nature)', () => {
  const misplaced: string[] = [];
  for (const file of compiledModules(distSrc)) {
    if (under(file, 'cli') || inNodeFolder(file) || file === join(distSrc, 'node.js')) continue;
    const nodeSpecs = specifiersOf(file).filter(isNodeOnly);
    if (nodeSpecs.length > 0) misplaced.push(`${show(file)} imports ${nodeSpecs.join(', ')}`);
  }
  assert.deepEqual(misplaced, []);
});
