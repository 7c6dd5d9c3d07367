import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHIPS } from '../../src/chips/index.js';
import { projectRoot } from '../../harness/paths.js';

// Every chip's full spec, captured from the chip files before the family defaults were shared out
// (test/fixtures/chips/chip-specs.json). Key order and keys present-but-undefined count too, so a
// default that quietly adds, drops or reorders a field fails here.
const keepUndefined = (_key: string, value: unknown): unknown => (value === undefined ? '__undefined__' : value);

test('every chip spec is exactly the recorded one', () => {
  const expected = readFileSync(join(projectRoot, 'test', 'fixtures', 'chips', 'chip-specs.json'), 'utf8');
  assert.equal(JSON.stringify(CHIPS, keepUndefined, 2) + '\n', expected);
});

test('the recorded specs cover every chip', () => {
  const expected = JSON.parse(readFileSync(join(projectRoot, 'test', 'fixtures', 'chips', 'chip-specs.json'), 'utf8')) as { id: string }[];
  assert.deepEqual(expected.map((c) => c.id), CHIPS.map((c) => c.id));
});
