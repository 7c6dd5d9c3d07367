/**
 * `npm test`'s runner: node --test over every dist/test/<layer>/*.test.js. The files are listed here
 * rather than by a shell glob because Windows' cmd does not expand globs and Node 20's --test takes
 * none itself. Extra arguments go to node --test (e.g. --test-name-pattern).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

const testRoot = join(projectRoot, 'dist', 'test');
const files = readdirSync(testRoot, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(testRoot, d.name)).filter((f) => f.endsWith('.test.js')).map((f) => join('dist', 'test', d.name, f)))
  .sort();

const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...process.argv.slice(2), ...files], {
  cwd: projectRoot,
  stdio: 'inherit',
});
child.on('exit', (code) => process.exit(code ?? 1));
