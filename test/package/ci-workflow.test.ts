/**
 * The GitHub workflow that runs the suite on Windows, macOS and Linux: valid for GitHub (checked by
 * action-validator against the published workflow schema), and running what the README tells people
 * to run, on the operating systems and Node versions we claim.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../harness/paths.js';

const workflow = join(projectRoot, '.github', 'workflows', 'ci.yml');
const validator = createRequire(join(projectRoot, 'package.json')).resolve('@action-validator/cli/cli.mjs');

function validate(file: string): { code: number | null; output: string } {
  const run = spawnSync(process.execPath, [validator, file], { encoding: 'utf8' });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

test('action-validator accepts .github/workflows/ci.yml, and refuses a broken workflow (so it really checks)', () => {
  const ours = validate(workflow);
  assert.equal(ours.code, 0, ours.output);

  const dir = mkdtempSync(join(tmpdir(), 'upyflash-workflow-'));
  try {
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, readFileSync(workflow, 'utf8').replace('runs-on:', 'runs_on:'));
    const bad = validate(broken);
    assert.equal(bad.code, 1, bad.output);
    assert.match(bad.output, /runs_on/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the matrix is Linux, Windows and macOS on Node 20 and 22, running the README\'s install and test commands', () => {
  const yml = readFileSync(workflow, 'utf8');
  assert.match(yml, /os: \[ubuntu-latest, windows-latest, macos-latest\]/);
  assert.match(yml, /node: \[20, 22\]/);
  assert.match(yml, /fail-fast: false/, 'one OS failing must not hide the others');

  // Every shell command in the README's Set-up section, `a && b` counted as two.
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const setup = readme.slice(readme.indexOf('## Set-up'), readme.indexOf('\n## ', readme.indexOf('## Set-up') + 1));
  const readmeCommands = [...setup.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split(/\n|&&/).map((c) => c.trim()).filter(Boolean));
  const ciCommands = [...yml.matchAll(/^\s+run: (.+)$/gm)].map((m) => m[1]!.trim());
  assert.deepEqual(ciCommands, ['npm install', 'npm test']);
  for (const c of ciCommands) assert.ok(readmeCommands.includes(c), `the README tells people to run \`${c}\` (it lists: ${readmeCommands.join(', ')})`);

  // The local CI script runs the same two.
  const local = readFileSync(join(projectRoot, '.ci', 'run'), 'utf8');
  for (const c of ciCommands) assert.match(local, new RegExp(`^${c}$`, 'm'));
});
