import type { Command } from 'commander';
import { UpyflashError, isUpyflashError } from '../../errors.js';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { startUiServer, type UiServer } from '../../web/node/server.js';
import { openBrowser } from '../../web/node/open-browser.js';
import { createNodeCatalogPort } from '../../web/node/catalog.js';
import { DEFAULT_INDEX } from '../../mip/index-format.js';
import { CachedMipSource } from '../../mip/node/cached-source.js';

/** A fixed default so the browser keeps its Web Serial permission for the page between runs. */
const DEFAULT_PORT = 8266;

interface UiOptions extends GlobalOptions {
  port?: string;
  open: boolean;
  index?: string;
}

export function register(program: Command): void {
  program
    .command('ui')
    .description('open the web flasher in your browser (Chrome or Edge; served on 127.0.0.1, with a demo board)')
    .option('--port <n>', `port on 127.0.0.1; 0 = any free port (default ${DEFAULT_PORT}, or any free one if it is taken)`)
    .option('--no-open', 'only print the address, do not start a browser')
    .option('--index <url>', 'package index for the Libraries panel (default: micropython-lib, or UPYFLASH_MIP_INDEX)')
    .action(async (_opts: UiOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<UiOptions>();
      await runCommand(opts, async (io) => {
        const server = await start(opts.port, opts.index ?? process.env['UPYFLASH_MIP_INDEX'] ?? DEFAULT_INDEX);
        io.print(`upyflash ui: ${server.url}  (Ctrl-C to stop)`);
        io.reporter.info(`Serving the web flasher on ${server.url}`);
        if (opts.open) openBrowser(server.url);
        await untilInterrupted();
        await server.close();
        return { result: { url: server.url, port: server.port } };
      });
    });
}

async function start(portOption: string | undefined, index: string): Promise<UiServer> {
  const catalog = createNodeCatalogPort();
  const mip = { index, source: new CachedMipSource() };
  if (portOption !== undefined) return startUiServer({ port: parsePort(portOption), catalog, mip });
  try {
    return await startUiServer({ port: DEFAULT_PORT, catalog, mip });
  } catch (e) {
    // The default port is only a preference; an explicit --port is a promise and fails loudly above.
    if (isUpyflashError(e, 'BAD_ARGUMENT')) return startUiServer({ port: 0, catalog, mip });
    throw e;
  }
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 65535) {
    throw new UpyflashError('BAD_ARGUMENT', `--port: "${text}" is not a port number (0..65535)`);
  }
  return n;
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
