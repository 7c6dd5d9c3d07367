import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS, type ErrorKind, UpyflashError } from '../../src/errors.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { renderErrorsDoc } from '../../harness/errors-doc.js';
import { projectRoot } from '../../harness/paths.js';

const page = readFileSync(join(projectRoot, 'docs', 'errors.md'), 'utf8');

test('docs/errors.md is what `npm run docs:errors` makes from src/errors.ts and the exit codes', () => {
  // Compared line by line so a failure names the first lines that differ.
  assert.deepEqual(page.split('\n'), renderErrorsDoc().split('\n'), 'docs/errors.md is out of date: run `npm run docs:errors`');
});

test('docs/errors.md has a section for every error code with its title, hint and exit code', () => {
  for (const kind of Object.keys(ERRORS) as ErrorKind[]) {
    const spec = ERRORS[kind];
    const start = page.indexOf(`\n### ${spec.code}\n`);
    assert.ok(start >= 0, `${spec.code} has a heading`);
    const end = page.indexOf('\n##', start + 1);
    const section = page.slice(start, end < 0 ? undefined : end);
    assert.ok(section.includes(`**${spec.title}**`), `${spec.code}: title`);
    assert.ok(section.includes(`\`${kind}\``), `${spec.code}: kind`);
    assert.ok(section.includes(`hint: ${spec.hint}`), `${spec.code}: hint`);
    assert.ok(section.includes(`exit code ${exitCodeFor(new UpyflashError(kind))}`), `${spec.code}: exit code`);
  }
});
