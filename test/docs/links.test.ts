import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { brokenLinks, headingAnchors, linksIn } from '../../harness/doc-links.js';
import { projectRoot } from '../../harness/paths.js';

const docsDir = join(projectRoot, 'docs');
const pages = [join(projectRoot, 'README.md'), ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => join(docsDir, f))];

test('every relative link in README.md and docs/ leads to a file, and every #anchor to a heading there', () => {
  const links = pages.flatMap((p) => linksIn(readFileSync(p, 'utf8')));
  assert.ok(links.filter((l) => !/^[a-z]+:/i.test(l)).length > 40, `the pages' relative links are seen (${links.length} links in all)`);
  assert.deepEqual(brokenLinks(pages).map(({ link, why }) => `${relative(projectRoot, link.file)}: (${link.href}) ${why}`), []);
});

test('the README links every page in docs/', () => {
  const fromReadme = new Set(linksIn(readFileSync(pages[0]!, 'utf8')));
  const missing = pages.slice(1).map((p) => relative(projectRoot, p).split('\\').join('/')).filter((p) => !fromReadme.has(p));
  assert.deepEqual(missing, []);
});

test('the checker finds a missing file, a missing anchor and a file that is not Markdown, and skips code and web links', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upyflash-links-'));
  try {
    writeFileSync(join(dir, 'a.md'), '# Title\n\n## The `flash` verb\n\n## Title\n');
    writeFileSync(join(dir, 'data.bin'), '');
    const page = join(dir, 'page.md');
    writeFileSync(
      page,
      [
        '[ok](a.md) [ok](a.md#the-flash-verb) [ok](a.md#title-1) [ok](#here) [web](https://example.com/x.md)',
        '[gone](nope.md) [bad anchor](a.md#nothing) [binary](data.bin#x)',
        '`[code](span.md)`',
        '```',
        '[code](block.md)',
        '```',
        '## Here',
      ].join('\n'),
    );
    assert.deepEqual(
      brokenLinks([page]).map(({ link, why }) => `${link.href}: ${why}`),
      ['nope.md: nope.md does not exist', 'a.md#nothing: no heading gives #nothing', 'data.bin#x: #x points into a file that is not Markdown'],
    );
    assert.deepEqual([...headingAnchors('# A `b` c\n## A b c\n')], ['a-b-c', 'a-b-c-1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
