// The one outbound HTTP client: every request to an LMS- or admin-supplied URL goes through
// `send()`. One time budget covers every hop, headers and body; bodies are read under a size
// cap; redirects are followed only when the caller says which; a User-Agent is always sent.
import type { Dispatcher } from 'undici';
import { type HostLookup, sharedPinnedDispatcher, systemLookup, vetTarget } from './address-guard.js';
import { HttpError } from './http-error.js';
import { discardBody, readBody } from './read-body.js';
import { networkReason, safeUrl } from './safe-url.js';

/**
 * `'refuse'` (default): a redirect answer is an `http_redirect_refused` error — a redirect
 * could carry a bearer token or a registration token to a URL nobody configured.
 * `{ follow, max }`: follow at most `max` redirects whose target is on the first URL's origin
 * (`'same-origin'`) or passes the predicate. The predicate may throw its own error to refuse.
 */
export type RedirectPolicy = 'refuse' | { follow: 'same-origin' | ((to: URL, first: URL) => boolean); max: number };

export interface HttpClientOptions {
  /** Required: platforms such as Canvas refuse requests without one. */
  userAgent: string;
  /** For tests. Default: the global fetch. */
  fetch?: typeof fetch;
  /** One budget for the whole exchange: every hop, headers and body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Largest 2xx body accepted; a larger one is `http_too_large`. Default 1 MiB. */
  maxBytes?: number;
  /** Most of a non-2xx body kept (for error reports); the rest is dropped. Default 8 KiB. */
  maxErrorBytes?: number;
  /**
   * The only way past the address guard: hosts (`host` or `host:port`) that may be loopback,
   * private or otherwise internal — local test LMSes only (the runtime's
   * `TETHER_DEV_INSECURE_HOSTS`). Every other host must resolve to public addresses only.
   */
  allowPrivateHosts?: readonly string[];
}

export interface HttpRequest extends HttpClientOptions {
  url: string | URL;
  /** Default GET. */
  method?: string;
  headers?: Readonly<Record<string, string>>;
  body?: string;
  redirects?: RedirectPolicy;
  /** For tests: how host names are resolved before the guard checks them. Default node:dns `lookup`. */
  lookup?: HostLookup;
}

export interface HttpResponse {
  status: number;
  /** 2xx. */
  ok: boolean;
  headers: Headers;
  /** The URL that answered (after redirects). */
  url: string;
  body: Uint8Array;
  /** The body decoded as UTF-8 (malformed sequences replaced). */
  text: string;
  /** A non-2xx body longer than `maxErrorBytes`: `body` is its beginning. */
  truncated: boolean;
}

/** What Tether calls itself on every outbound request (Canvas refuses requests without a User-Agent). */
export const TETHER_USER_AGENT = 'Tether-LTI/0.1 (+https://github.com/tether-lti)';

/** How long any call to an LMS may take, unless its caller says otherwise. */
export const OUTBOUND_TIMEOUT_MS = 10_000;
/** Cap for a small JSON document from an LMS (a keyset, a configuration, a registration answer): real ones are a few KiB. */
export const DOCUMENT_MAX_BYTES = 256 * 1024;

const HTTP_DEFAULTS = { timeoutMs: OUTBOUND_TIMEOUT_MS, maxBytes: 1024 * 1024, maxErrorBytes: 8 * 1024 } as const;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Sends one request (following allowed redirects) and reads its answer under the limits. */
export async function send(request: HttpRequest): Promise<HttpResponse> {
  const method = (request.method ?? 'GET').toUpperCase();
  const userAgent = requireUserAgent(request.userAgent, 'send');
  const first = parseHttpUrl(request.url, method);
  const timeoutMs = request.timeoutMs ?? HTTP_DEFAULTS.timeoutMs;
  const maxBytes = request.maxBytes ?? HTTP_DEFAULTS.maxBytes;
  const maxErrorBytes = request.maxErrorBytes ?? HTTP_DEFAULTS.maxErrorBytes;
  const policy = request.redirects ?? 'refuse';
  const lookup = request.lookup ?? systemLookup;
  // The global fetch connects only to the vetted addresses (pinned, on a kept-alive agent of
  // that host and those addresses). An injected fetch (tests) gets the same vetting of each
  // hop's host, but where it connects is its own business.
  const pinned = request.fetch === undefined;
  const fetchImpl = request.fetch ?? globalThis.fetch;
  const headers = { ...request.headers, 'user-agent': userAgent };

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);

  let url = first;
  let hopMethod = method;
  let body = request.body;
  // Anything thrown while talking to the server is a timeout (our abort) or a network failure.
  const transport = (err: unknown): HttpError => {
    const details = { url: safeUrl(url), method: hopMethod };
    if (timedOut) {
      return new HttpError('http_timeout', `${hopMethod} ${safeUrl(url)} did not complete within ${timeoutMs} ms`, {
        details: { ...details, reason: 'timeout', timeoutMs },
        cause: err,
      });
    }
    const reason = networkReason(err);
    return new HttpError('http_network', `${hopMethod} ${safeUrl(url)} failed (${reason})`, {
      details: { ...details, reason: 'network', error: reason },
      cause: err,
    });
  };

  try {
    for (let redirects = 0; ; redirects++) {
      // Every hop (the first URL and each redirect target) is vetted before anything is sent.
      const target = await raceAbort(vetTarget(url, hopMethod, request.allowPrivateHosts, lookup), controller.signal).catch((err: unknown) => {
        throw err instanceof HttpError ? err : transport(err);
      });
      const dispatcher = pinned ? sharedPinnedDispatcher(target) : undefined;
      let res: Response;
      try {
        // The one place a connection is opened.
        res = await fetchImpl(url.href, {
          method: hopMethod,
          headers,
          ...(body === undefined ? {} : { body }),
          redirect: 'manual',
          signal: controller.signal,
          ...(dispatcher === undefined ? {} : { dispatcher }),
        } as RequestInit & { dispatcher?: Dispatcher });
      } catch (err) {
        throw transport(err);
      }

      const isRedirect = res.type === 'opaqueredirect' || REDIRECT_STATUSES.has(res.status);
      if (isRedirect) {
        await discardBody(res);
        const next = nextHop(res, url, first, redirects, policy, hopMethod);
        url = next;
        // 303, and 301/302 after a POST, turn into a GET without body (as browsers do).
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && hopMethod === 'POST')) {
          hopMethod = 'GET';
          body = undefined;
        }
        continue;
      }

      const ok = res.status >= 200 && res.status < 300;
      if (ok) {
        const declared = Number(res.headers.get('content-length') ?? Number.NaN);
        if (Number.isFinite(declared) && declared > maxBytes) {
          await discardBody(res);
          throw tooLarge(hopMethod, url, res.status, maxBytes, declared);
        }
      }
      let read: Awaited<ReturnType<typeof readBody>>;
      try {
        read = await readBody(res.body, ok ? maxBytes : maxErrorBytes);
      } catch (err) {
        throw transport(err);
      }
      if (ok && read.truncated) throw tooLarge(hopMethod, url, res.status, maxBytes);
      return {
        status: res.status,
        ok,
        headers: res.headers,
        url: url.href,
        body: read.bytes,
        text: new TextDecoder().decode(read.bytes),
        truncated: read.truncated,
      };
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A DNS lookup cannot be cancelled; the time budget still ends the wait for it. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** The redirect target, or `http_redirect_refused` (the predicate may throw its own error). */
function nextHop(res: Response, url: URL, first: URL, redirects: number, policy: RedirectPolicy, method: string): URL {
  const raw = res.headers.get('location');
  let target: URL | undefined;
  try {
    target = raw === null ? undefined : new URL(raw, url);
  } catch {
    target = undefined;
  }
  const refuse = (reason: string, message: string) =>
    new HttpError('http_redirect_refused', `${method} ${safeUrl(url)} ${message}`, {
      status: res.status,
      details: {
        url: safeUrl(url),
        method,
        reason,
        redirects,
        location: target === undefined ? (raw === null ? null : safeUrl(raw)) : safeUrl(target),
      },
    });

  if (policy === 'refuse') throw refuse('refused', `answered a redirect (HTTP ${res.status}); not followed`);
  if (redirects >= policy.max) throw refuse('too_many', `answered more than ${policy.max} redirects`);
  if (raw === null) throw refuse('no_location', `answered HTTP ${res.status} without a Location header`);
  if (target === undefined || (target.protocol !== 'https:' && target.protocol !== 'http:')) {
    throw refuse('invalid_location', `answered HTTP ${res.status} to an invalid Location`);
  }
  const allowed = policy.follow === 'same-origin' ? target.origin === first.origin : policy.follow(target, first);
  if (!allowed) throw refuse('not_allowed', `redirected to ${target.origin}, which is not allowed; not followed`);
  return target;
}

function tooLarge(method: string, url: URL, status: number, maxBytes: number, contentLength?: number): HttpError {
  return new HttpError('http_too_large', `${method} ${safeUrl(url)} answered more than ${maxBytes} bytes`, {
    status,
    details: { url: safeUrl(url), method, reason: 'too_large', maxBytes, ...(contentLength === undefined ? {} : { contentLength }) },
  });
}

function parseHttpUrl(value: string | URL, method: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (err) {
    throw new HttpError('http_invalid_url', `${method} to an invalid URL`, { details: { url: safeUrl(String(value)), method, reason: 'invalid_url' }, cause: err });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HttpError('http_invalid_url', `${method} ${safeUrl(url)}: only http(s) URLs are fetched`, {
      details: { url: safeUrl(url), method, reason: 'not_http' },
    });
  }
  return url;
}

/** Throws a TypeError naming `where` unless the User-Agent is a non-blank string. */
export function requireUserAgent(userAgent: unknown, where: string): string {
  // Canvas refuses service calls without a User-Agent; an empty one is as bad as none.
  if (typeof userAgent !== 'string' || userAgent.trim() === '') {
    throw new TypeError(`${where}: userAgent is required (platforms such as Canvas reject requests without one)`);
  }
  return userAgent;
}
