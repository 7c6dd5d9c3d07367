import { ERRORS, UpyflashError, type ErrorKind } from '../errors.js';
import { ROUTES, SOURCE_HEADER, type BoardChoice, type BoardSearchReply, type ErrorReply, type FirmwareListReply, type HealthReply } from './api.js';

/**
 * The page's side of the local server's API (see api.ts). Uses only `fetch`, so it runs in the browser
 * and in Node tests alike. Server failures come back as UpyflashErrors with the server's code and hint.
 */
export class CatalogClient {
  constructor(private readonly baseUrl: string, private readonly fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)) {}

  /** The local server's health, or undefined when the page was not served by `upyflash ui`. */
  async health(): Promise<HealthReply | undefined> {
    try {
      const res = await this.fetchFn(this.url(ROUTES.health), { headers: { accept: 'application/json' } });
      if (!res.ok) return undefined;
      const body = (await res.json()) as Partial<HealthReply>;
      return body.ok === true && body.name === 'upyflash' ? (body as HealthReply) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The images of `board`, or of the chip's generic board when none is named. */
  async list(chip: string, board?: string): Promise<FirmwareListReply> {
    const query = new URLSearchParams({ chip, ...(board !== undefined ? { board } : {}) });
    const res = await this.get(`${ROUTES.firmwareList}?${query}`);
    return (await res.json()) as FirmwareListReply;
  }

  /** The chip's boards on micropython.org whose id, name or vendor hold every word of `search`. */
  async searchBoards(chip: string, search: string): Promise<readonly BoardChoice[]> {
    const res = await this.get(`${ROUTES.boardSearch}?${new URLSearchParams({ chip, search })}`);
    return ((await res.json()) as BoardSearchReply).boards;
  }

  /** `onProgress` sees bytes received from the local server (which has the whole file by then). */
  async download(file: string, onProgress?: (done: number, total: number) => void): Promise<{ bytes: Uint8Array; source: string }> {
    const res = await this.get(`${ROUTES.firmwareFile}?file=${encodeURIComponent(file)}`);
    const source = res.headers.get(SOURCE_HEADER) ?? 'download';
    const total = Number(res.headers.get('content-length') ?? 0);
    if (!onProgress || !res.body || !(total > 0)) return { bytes: new Uint8Array(await res.arrayBuffer()), source };
    const bytes = new Uint8Array(total);
    let done = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      if (done + value.length > total) throw new UpyflashError('DOWNLOAD_FAILED', `${file}: the local server sent more than it announced`);
      bytes.set(value, done);
      done += value.length;
      onProgress(done, total);
    }
    if (done !== total) throw new UpyflashError('TRUNCATED_IMAGE', `${file}: the transfer from the local server stopped at ${done} of ${total} bytes`);
    return { bytes, source };
  }

  private async get(path: string): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url(path));
    } catch (e) {
      throw new UpyflashError('DOWNLOAD_FAILED', 'The local upyflash server did not answer', {
        hint: 'Start the page with `upyflash ui` and keep it running, or choose a local .bin file.',
        cause: e,
      });
    }
    if (res.ok) return res;
    throw await errorFrom(res);
  }

  private url(path: string): string {
    return new URL(path, this.baseUrl).href;
  }
}

async function errorFrom(res: Response): Promise<UpyflashError> {
  try {
    const body = (await res.json()) as Partial<ErrorReply>;
    const e = body.error;
    if (e && isErrorKind(e.kind)) return new UpyflashError(e.kind, e.message, { hint: e.hint });
  } catch {
    // not JSON: fall through to a generic failure
  }
  return new UpyflashError('DOWNLOAD_FAILED', `The local server answered HTTP ${res.status}`);
}

function isErrorKind(kind: unknown): kind is ErrorKind {
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, kind);
}
