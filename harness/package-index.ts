/**
 * A stand-in for the micropython-lib package index (the layout its tools/build.py writes, see
 * src/mip/index-format.ts) served on 127.0.0.1, built from a few package definitions. Files are named
 * by the start of their SHA-256 as the real index names them. `stop()` takes it off the network (the
 * "index unreachable" case) and `start()` brings it back on the same port.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface StandInPackage {
  name: string;
  description?: string;
  /** Build ("6", "5", "py") -> version -> files (target path -> content). `latest` is the last version listed. */
  builds: Record<string, Record<string, Record<string, string | Uint8Array>>>;
  /** [name, version] per dependency, written into every package json of this package. */
  deps?: Array<[string, string]>;
  /** [target path, URL] entries (files fetched from elsewhere, not from the index's file store); `{index}` becomes the index URL. */
  urls?: Array<[string, string]>;
}

export interface StandInIndex {
  /** http://127.0.0.1:PORT (the index base, as --index takes it). */
  readonly url: string;
  /** Every request path served so far, in order. */
  readonly requests: string[];
  /** Extra files served as they are (for `urls` entries and package.json locations). */
  serveRaw(path: string, body: string | Uint8Array): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const HASH_LEN = 8;

function bytesOf(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? new TextEncoder().encode(v) : v;
}

export async function startStandInIndex(packages: readonly StandInPackage[]): Promise<StandInIndex> {
  const routes = new Map<string, Uint8Array>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const start = async (): Promise<void> => {
    const s = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push(path);
      const body = routes.get(path);
      if (!body) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    });
    s.on('connection', (c: Socket) => {
      sockets.add(c);
      c.once('close', () => sockets.delete(c));
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  await start();
  const base = `http://127.0.0.1:${port}`;
  const index = { v: 2, updated: 1_700_000_000, packages: [] as unknown[] };
  for (const p of packages) {
    const versions: Record<string, string[]> = {};
    let latest = '';
    for (const [build, byVersion] of Object.entries(p.builds)) {
      versions[build] = Object.keys(byVersion);
      for (const [version, files] of Object.entries(byVersion)) {
        const hashes: Array<[string, string]> = [];
        for (const [path, content] of Object.entries(files)) {
          const bytes = bytesOf(content);
          const short = createHash('sha256').update(bytes).digest('hex').slice(0, HASH_LEN);
          routes.set(`/file/${short.slice(0, 2)}/${short}`, bytes);
          hashes.push([path, short]);
        }
        const json = bytesOf(JSON.stringify({ v: 1, hashes, ...(p.urls ? { urls: p.urls.map(([t, u]) => [t, u.replace('{index}', base)]) } : {}), ...(p.deps ? { deps: p.deps } : {}), version }));
        routes.set(`/package/${build}/${p.name}/${version}.json`, json);
        routes.set(`/package/${build}/${p.name}/latest.json`, json);
        latest = version;
      }
    }
    index.packages.push({ name: p.name, version: latest, author: '', description: p.description ?? '', license: 'MIT', versions, path: `stand-in/${p.name}` });
  }
  routes.set('/index.json', bytesOf(JSON.stringify(index)));

  return {
    url: base,
    requests,
    serveRaw: (path, body) => void routes.set(path, bytesOf(body)),
    start,
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      for (const c of sockets) c.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
