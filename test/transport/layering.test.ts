import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { chainTo, compiledModules, importCycles, moduleGraph, reachFrom, specifiersOf } from '../../harness/import-graph.js';
import { projectRoot } from '../../harness/paths.js';

/**
 * ARCHITECTURE.md's floor: transport/ defines the Transport and the endpoint a device implements and
 * imports nothing above it; opening ports from a string (which may power a virtual board) is Node
 * assembly in transport/node/. The virtual board is a device beside the stack and never reaches the
 * client's flasher/. No floor below flasher/ imports from it or from the rooms above it (shared types
 * live in the lower room), and no modules import each other in a loop. Node-only code sits in node/
 * folders. Checked on the compiled graph (dist/), type-only imports included through the .d.ts files.
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

test('the loop finder finds loops of one, two and three modules and nothing in a tree', () => {
  const graph = (edges: Record<string, string[]>): Map<string, Set<string>> => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));
  assert.deepEqual(importCycles(graph({ a: ['b', 'c'], b: ['c'], c: [] })), []);
  assert.deepEqual(importCycles(graph({ a: ['a'] })), [['a', 'a']]);
  assert.deepEqual(importCycles(graph({ a: ['b'], b: ['a', 'c'], c: [] })), [['a', 'b', 'a']]);
  // boot-image -> chips -> rom-messages -> boot-image, as the virtual board had it, reached from outside.
  const found = importCycles(graph({ board: ['boot', 'chips'], boot: ['chips'], chips: ['rom'], rom: ['boot'] }));
  assert.equal(found.length, 1);
  assert.deepEqual(new Set(found[0]), new Set(['boot', 'chips', 'rom']));
  assert.equal(found[0]!.length, 4);
  assert.equal(found[0]![0], found[0]![3]);
});

test('no modules in src/ import each other in a loop, type-only imports included', () => {
  const graph = moduleGraph(distSrc, { types: true });
  // rom-messages imports boot-image for a type only: an edge a walk of the .js files alone would miss.
  const typeOnly = graph.get(join(distSrc, 'virtual-board', 'rom-messages.js'));
  assert.ok(typeOnly?.has(join(distSrc, 'virtual-board', 'boot-image.js')), 'type-only imports are edges of the graph');
  assert.ok(graph.size > 200, `the graph holds the compiled modules (${graph.size})`);
  assert.deepEqual(importCycles(graph).map((loop) => loop.map(show).join(' -> ')), []);
});

test('no module below flasher/ imports from flasher/ or the rooms above it, types included (transport/node/ may assemble the virtual board)', () => {
  const lowerFloors = ['transport', 'protocol', 'image', 'stub', 'ports', 'chips', 'platform'];
  const shared = [join(distSrc, 'errors.js'), join(distSrc, 'progress.js')];
  const allowed = (from: string, target: string): boolean =>
    lowerFloors.some((floor) => under(target, floor)) ||
    shared.includes(target) ||
    (under(from, join('transport', 'node')) && under(target, 'virtual-board'));
  const violations: string[] = [];
  for (const [file, targets] of moduleGraph(distSrc, { types: true })) {
    if (!lowerFloors.some((floor) => under(file, floor))) continue;
    for (const target of targets) if (!allowed(file, target)) violations.push(`${show(file)} -> ${show(target)}`);
  }
  assert.deepEqual(violations, []);
});
