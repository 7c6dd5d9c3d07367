/**
 * `upyflash ui`'s local server (Node only): serves the built page from dist/web and answers the page's
 * small API (api.ts), fetching firmware through the CLI's catalog and cache because micropython.org
 * sends no CORS headers. Bound to 127.0.0.1 and checks the Host header, so other machines and
 * DNS-rebinding pages cannot use it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UpyflashError, asUpyflashError } from '../../errors.js';
import { chipById } from '../../chips/index.js';
import type { ChipSpec } from '../../chips/types.js';
import { FIRMWARE_FILE_PATTERN, MIP_PATH_PATTERN, ROUTES, SOURCE_HEADER, type BoardSearchReply, type ErrorReply, type FirmwareListReply, type HealthReply } from '../api.js';
import type { FirmwareCatalogPort } from '../catalog-port.js';
import { isNotFound } from '../../firmware/http.js';
import type { MipSource } from '../../mip/source.js';

export interface UiServerOptions {
  /** 0 = any free port. */
  readonly port: number;
  /** Folder holding the built page (index.html and assets); defaults to <project>/dist/web. */
  readonly pageDir?: string;
  /** Where firmware lists and files come from; without it the page offers local files only. */
  readonly catalog?: FirmwareCatalogPort;
  /** The package index the Libraries panel reads, fetched through the CLI's download cache. */
  readonly mip?: { readonly index: string; readonly source: MipSource };
}

export interface UiServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

// The page runs MicroPython's wasm for the demo board ('wasm-unsafe-eval') and talks only to this server.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function defaultPageDir(): string {
  return join(projectRoot(), 'dist', 'web');
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const pageDir = resolve(options.pageDir ?? defaultPageDir());
  if (!existsSync(join(pageDir, 'index.html'))) {
    throw new UpyflashError('FILE_ERROR', `The web page is not built (no ${join(pageDir, 'index.html')})`, {
      hint: 'Run `npm run build` (it runs `vite build`) in the upyflash folder, then `upyflash ui` again.',
    });
  }
  const version = packageVersion();
  let port = 0;
  const server = createServer((req, res) => {
    handle(req, res, { pageDir, catalog: options.catalog, mip: options.mip, version, port: () => port }).catch((e: unknown) => {
      sendError(res, asUpyflashError(e));
    });
  });
  port = await listen(server, options.port);
  return {
    url: `http://${HOST}:${port}/`,
    port,
    close: () => closeServer(server),
  };
}

interface Context {
  readonly pageDir: string;
  readonly catalog: FirmwareCatalogPort | undefined;
  readonly mip: UiServerOptions['mip'];
  readonly version: string;
  port(): number;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  // Cross-origin isolation: the demo board's MicroPython worker needs SharedArrayBuffer for Ctrl-C and sleeps.
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-embedder-policy', 'require-corp');
  if (!hostAllowed(req.headers.host, ctx.port())) {
    sendText(res, 403, 'Forbidden: upyflash ui answers only on 127.0.0.1 and localhost.');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendText(res, 405, 'Method not allowed');
    return;
  }
  const url = new URL(req.url ?? '/', `http://${HOST}`);
  if (url.pathname === ROUTES.health) return sendHealth(res, ctx);
  if (url.pathname === ROUTES.firmwareList) return sendFirmwareList(res, ctx, url.searchParams);
  if (url.pathname === ROUTES.boardSearch) return sendBoardSearch(res, ctx, url.searchParams);
  if (url.pathname === ROUTES.firmwareFile) return sendFirmwareFile(res, ctx, url.searchParams.get('file'));
  if (url.pathname.startsWith(ROUTES.mip)) return sendMipFile(res, ctx, url.pathname.slice(ROUTES.mip.length));
  if (url.pathname.startsWith('/api/')) {
    sendError(res, new UpyflashError('BAD_ARGUMENT', `Unknown API path ${url.pathname}`), 404);
    return;
  }
  return sendStatic(req, res, ctx.pageDir, url.pathname);
}

function sendHealth(res: ServerResponse, ctx: Context): void {
  const body: HealthReply = { ok: true, name: 'upyflash', version: ctx.version, catalog: ctx.catalog !== undefined };
  sendJson(res, 200, body);
}

async function sendFirmwareList(res: ServerResponse, ctx: Context, params: URLSearchParams): Promise<void> {
  const chip = chipParam(res, params);
  if (!chip) return;
  const catalog = requireCatalog(ctx);
  const list = await catalog.list(chip, params.get('board') ?? undefined);
  const body: FirmwareListReply = { ok: true, chip: chip.id, board: list.board, choices: list.choices, offline: list.offline };
  sendJson(res, 200, body);
}

async function sendBoardSearch(res: ServerResponse, ctx: Context, params: URLSearchParams): Promise<void> {
  const chip = chipParam(res, params);
  if (!chip) return;
  const boards = await requireCatalog(ctx).searchBoards(chip, params.get('search') ?? '');
  const body: BoardSearchReply = { ok: true, chip: chip.id, boards };
  sendJson(res, 200, body);
}

/** The `chip` query parameter as a chip, or undefined after answering 400. */
function chipParam(res: ServerResponse, params: URLSearchParams): ChipSpec | undefined {
  const name = params.get('chip');
  const chip = name ? chipById(name) : undefined;
  if (!chip) sendError(res, new UpyflashError('BAD_ARGUMENT', `Unknown chip "${name ?? ''}"`), 400);
  return chip;
}

async function sendFirmwareFile(res: ServerResponse, ctx: Context, file: string | null): Promise<void> {
  if (!file || !FIRMWARE_FILE_PATTERN.test(file)) {
    sendError(res, new UpyflashError('BAD_ARGUMENT', `Not a firmware file name: "${file ?? ''}"`), 400);
    return;
  }
  const catalog = requireCatalog(ctx);
  const { bytes, source } = await catalog.fetch(file);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(bytes.length),
    'cache-control': 'no-store',
    [SOURCE_HEADER]: source,
  });
  res.end(bytes);
}

/** Only the index's own layout is fetched: the page cannot make this server fetch anything else. */
async function sendMipFile(res: ServerResponse, ctx: Context, path: string): Promise<void> {
  if (!ctx.mip) throw new UpyflashError('INDEX_UNREACHABLE', 'This server has no package index');
  if (!MIP_PATH_PATTERN.test(path)) {
    sendError(res, new UpyflashError('BAD_ARGUMENT', `Not a package index path: "${path}"`), 400);
    return;
  }
  const immutable = path.startsWith('file/') || (path.startsWith('package/') && !path.endsWith('/latest.json'));
  let got;
  try {
    got = await ctx.mip.source.fetch(`${ctx.mip.index.replace(/\/+$/, '')}/${path}`, { immutable });
  } catch (e) {
    if (isNotFound(e)) {
      sendError(res, new UpyflashError('PACKAGE_NOT_FOUND', `Not in the package index: ${path}`), 404);
      return;
    }
    throw e;
  }
  res.writeHead(200, {
    'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    'content-length': String(got.bytes.length),
    'cache-control': 'no-store',
    [SOURCE_HEADER]: got.stale ? 'cache' : 'index',
  });
  res.end(got.bytes);
}

function requireCatalog(ctx: Context): FirmwareCatalogPort {
  if (!ctx.catalog) {
    throw new UpyflashError('OFFLINE_NO_CACHE', 'This server has no firmware catalog', {
      hint: 'Choose a local .bin file on the page.',
    });
  }
  return ctx.catalog;
}

async function sendStatic(req: IncomingMessage, res: ServerResponse, root: string, pathname: string): Promise<void> {
  const file = resolveStatic(root, pathname);
  const info = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !info || !info.isFile()) {
    sendText(res, 404, 'Not found');
    return;
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'content-length': String(info.size),
    // Vite puts a content hash in asset names; index.html must always be fresh to pick up new ones.
    'cache-control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (type.startsWith('text/html')) headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  res.end(await readFile(file));
}

/** Maps a URL path into the page folder; undefined when it would leave it. */
export function resolveStatic(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const relative = decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  const full = resolve(root, '.' + relative);
  return full === root || full.startsWith(root + sep) ? full : undefined;
}

function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return host === `${HOST}:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function sendError(res: ServerResponse, err: UpyflashError, status = statusFor(err)): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  const { code, kind, message, hint } = err.toJSON();
  const body: ErrorReply = { ok: false, error: { code, kind, message, hint } };
  sendJson(res, status, body);
}

function statusFor(err: UpyflashError): number {
  switch (err.kind) {
    case 'BAD_ARGUMENT':
      return 400;
    case 'FIRMWARE_NOT_FOUND':
    case 'PACKAGE_NOT_FOUND':
      return 404;
    case 'INTERNAL':
      return 500;
    default:
      // The server is fine; what it proxies is not (site down, offline without cache, bad bytes).
      return 502;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(
        e.code === 'EADDRINUSE'
          ? new UpyflashError('BAD_ARGUMENT', `Port ${port} on ${HOST} is already in use`, {
              hint: 'Pick another with --port, or --port 0 for any free port.',
              cause: e,
            })
          : asUpyflashError(e),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolvePort(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, HOST);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new UpyflashError('INTERNAL', 'package.json not found above the server module');
    dir = up;
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
