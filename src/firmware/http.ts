import { UpyflashError } from '../errors.js';
import { concatBytes } from '../platform/bytes.js';

/**
 * HTTP GET with progress, an idle timeout and an honest length check, on the platform's `fetch` (Node 20
 * and browsers both have it). Failures are UpyflashError with `details.reason`, so callers can tell
 * "the network is down" (use the cache) from "the server said 404" (nothing to cache).
 */

export type FailureReason = 'network' | 'timeout' | 'http-status' | 'truncated' | 'insecure';

export interface HttpBody {
  readonly url: string;
  /** After redirects. */
  readonly finalUrl: string;
  readonly bytes: Uint8Array;
  readonly contentType: string | undefined;
}

export interface HttpGetOptions {
  /** Abort when no bytes arrive for this long (also bounds the wait for headers). */
  readonly idleTimeoutMs?: number;
  readonly onProgress?: (done: number, total: number | undefined) => void;
}

export type HttpGet = (url: string, opts?: HttpGetOptions) => Promise<HttpBody>;

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export const fetchGet: HttpGet = async (url, opts = {}) => {
  const idle = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idle);
  };
  arm();
  let received = 0;
  let expected: number | undefined;
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new UpyflashError('DOWNLOAD_FAILED', `${url}: HTTP ${res.status} ${res.statusText}`.trim(), {
        details: { url, reason: 'http-status' satisfies FailureReason, status: res.status },
      });
    }
    // Content-Length counts the encoded bytes; only compare when the body arrives as sent.
    const encoding = res.headers.get('content-encoding');
    const lengthHeader = res.headers.get('content-length');
    expected = lengthHeader !== null && (!encoding || encoding === 'identity') ? Number(lengthHeader) : undefined;
    const chunks: Uint8Array[] = [];
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        chunks.push(value);
        received += value.length;
        opts.onProgress?.(received, expected);
      }
    }
    const bytes = concatBytes(chunks);
    if (expected !== undefined && received !== expected) throw truncated(url, received, expected);
    return { url, finalUrl: res.url || url, bytes, contentType: res.headers.get('content-type') ?? undefined };
  } catch (e) {
    if (e instanceof UpyflashError) throw e;
    if (controller.signal.aborted) {
      throw new UpyflashError('DOWNLOAD_FAILED', `${url}: no data for ${Math.round(idle / 1000)} s`, {
        details: { url, reason: 'timeout' satisfies FailureReason },
        cause: e,
      });
    }
    // The connection dropped after the headers promised more: that is a cut-short file, not "offline".
    if (expected !== undefined && received < expected) throw truncated(url, received, expected, e);
    throw new UpyflashError('DOWNLOAD_FAILED', `${url}: ${networkMessage(e)}`, {
      details: { url, reason: 'network' satisfies FailureReason },
      cause: e,
    });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
};

function truncated(url: string, got: number, expected: number, cause?: unknown): UpyflashError {
  return new UpyflashError('TRUNCATED_IMAGE', `${url}: download cut short, got ${got} of ${expected} bytes`, {
    details: { url, reason: 'truncated' satisfies FailureReason, got, expected },
    ...(cause === undefined ? {} : { cause }),
  });
}

function networkMessage(e: unknown): string {
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  const detail = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
  return `cannot reach the server (${detail})`;
}

export function failureReason(e: unknown): FailureReason | undefined {
  if (!(e instanceof UpyflashError)) return undefined;
  const r = e.details['reason'];
  return typeof r === 'string' ? (r as FailureReason) : undefined;
}

/** The site could not be reached at all (or only answered with server errors): the cache may stand in. */
export function isUnreachable(e: unknown): boolean {
  const reason = failureReason(e);
  if (reason === 'network' || reason === 'timeout') return true;
  if (reason === 'http-status') {
    const status = (e as UpyflashError).details['status'];
    return typeof status === 'number' && status >= 500;
  }
  return false;
}

export function isNotFound(e: unknown): boolean {
  return failureReason(e) === 'http-status' && (e as UpyflashError).details['status'] === 404;
}
