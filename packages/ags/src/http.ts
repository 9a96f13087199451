import { AgsError } from './errors.js';

export interface FetchedText {
  status: number;
  headers: Headers;
  text: string;
}

/** Longest response-body excerpt kept in error details. */
export const BODY_EXCERPT_CHARS = 500;

/**
 * One HTTP exchange, headers and body, under a single time budget. Network failures and the
 * timeout become `ags_platform_unavailable` (retryable). Redirects are not followed: a
 * redirect would carry the bearer token or client assertion to a URL nobody configured.
 */
export async function fetchText(
  fetchImpl: typeof fetch,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<FetchedText> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await fetchImpl(url, { ...init, redirect: 'manual', signal: controller.signal });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  } catch (err) {
    if (timedOut) {
      throw new AgsError('ags_platform_unavailable', `${init.method} ${url} did not complete within ${timeoutMs} ms`, {
        details: { url, method: init.method, timeoutMs, reason: 'timeout' },
        cause: err,
      });
    }
    throw new AgsError('ags_platform_unavailable', `${init.method} ${url} failed (network error)`, {
      details: { url, method: init.method, reason: 'network' },
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
}

export function excerpt(text: string, max = BODY_EXCERPT_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `Retry-After` as whole seconds (delta form only; an HTTP date is left to the caller). */
export function retryAfterSec(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number.parseInt(raw.trim(), 10);
}

export function requireUserAgent(userAgent: unknown, where: string): string {
  // Canvas refuses service calls without a User-Agent; an empty one is as bad as none.
  if (typeof userAgent !== 'string' || userAgent.trim() === '') {
    throw new TypeError(`${where}: userAgent is required (platforms such as Canvas reject requests without one)`);
  }
  return userAgent;
}
