import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerAll } from './commands/index.js';
import { translateEsptoolArgv } from './esptool-compat.js';
import { reportError } from './run-command.js';
import { EXIT } from './exit-codes.js';
import { asUpyflashError } from '../errors.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program
  .name('upyflash')
  .description('Get MicroPython onto ESP32 and ESP8266 boards: find the board, fetch the firmware, flash it fast and verified.')
  .option('--json', 'print one JSON document on stdout (progress goes to stderr)')
  .option('-v, --verbose', 'more detail, including protocol traffic summaries')
  .showHelpAfterError()
  // Usage errors (missing argument, unknown option or verb) exit 2 as the README's table says; commander
  // would exit 1. Help and --version exit 0. Set before the verbs are added so they inherit it.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

// `upyflash --version` prints ours; after a verb, `--version` belongs to the verb (`flash --version 1.24.1`,
// `firmware download --version preview`). Commander would otherwise let the root option win anywhere.
if (!process.argv.slice(2).some((arg) => !arg.startsWith('-'))) program.version(pkg.version);

// esptool's command lines (write_flash -z 0x1000 x.bin, --before no_reset) become ours first.
let argv: string[];
try {
  const t = translateEsptoolArgv(process.argv.slice(2));
  for (const note of t.notes) process.stderr.write(`note: ${note}\n`);
  argv = t.argv;
} catch (e) {
  reportError(asUpyflashError(e), process.argv.includes('--json'), false);
  process.exit(EXIT.USAGE);
}

await registerAll(program);
await program.parseAsync([...process.argv.slice(0, 2), ...argv]);
