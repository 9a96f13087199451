// Bounded input, before anything is parsed: every request's URL, headers and body have a
// cap, checked by one middleware in front of every route. A body over the cap is refused
// from its Content-Length, or as soon as the streamed bytes pass it — never buffered whole.
// Refusals write nothing: `/lti/*` gets the usual error page (no timeline), the rest JSON.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RuntimeDeps } from '../deps.js';
import { fail } from '../respond.js';

/** Form posts (login, launch, picker answer): an id_token is a few KiB; the largest LMS ones stay well under this. */
export const FORM_MAX_BYTES = 64 * 1024;
/** JSON APIs (`/api/*`): a grade report is a few hundred bytes. */
export const JSON_MAX_BYTES = 16 * 1024;
/** Path and query: what common proxies accept (nginx's default buffer); a GET login fits easily. */
const URL_MAX_BYTES = 8 * 1024;
/** All header names and values together: Node's own default cap, enforced here for any server. */
const HEADERS_MAX_BYTES = 16 * 1024;

export interface RequestLimits {
  formMaxBytes: number;
  jsonMaxBytes: number;
  urlMaxBytes: number;
  headersMaxBytes: number;
}

const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  formMaxBytes: FORM_MAX_BYTES,
  jsonMaxBytes: JSON_MAX_BYTES,
  urlMaxBytes: URL_MAX_BYTES,
  headersMaxBytes: HEADERS_MAX_BYTES,
};

type Part = 'url' | 'headers' | 'body';
const STATUS: Record<Part, 413 | 414 | 431> = { url: 414, headers: 431, body: 413 };

/** JSON under `/api/`; the rest (form posts, pages) has the form cap. */
const isApi = (path: string) => path === '/api' || path.startsWith('/api/');

/**
 * The runtime's request limits, as one middleware for `app.use('*', …)` registered before
 * every route: URL (414), headers (431), body (413, the `/api/*` cap or the form cap).
 */
export function requestLimits(deps: RuntimeDeps, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): MiddlewareHandler {
  const refuse = async (path: string, part: Part, max: number): Promise<Response> => {
    const message = `The request ${part === 'body' ? 'body' : part === 'url' ? 'URL' : 'headers'} is larger than ${max} bytes.`;
    const status = STATUS[part];
    if (!path.startsWith('/lti/')) return Response.json({ error: { code: 'request_too_large', message } }, { status, headers: { 'cache-control': 'no-store' } });
    // No timeline: nothing is stored for a request we would not read.
    const res = await fail(deps, null, 'request_too_large', { step: 'request_limits', note: message, details: { part, max } });
    return status === res.status ? res : new Response(res.body, { status, headers: res.headers });
  };
  const formBody = bodyLimit({ maxSize: limits.formMaxBytes, onError: (c) => refuse(c.req.path, 'body', limits.formMaxBytes) });
  const jsonBody = bodyLimit({ maxSize: limits.jsonMaxBytes, onError: (c) => refuse(c.req.path, 'body', limits.jsonMaxBytes) });

  return async (c, next) => {
    const path = c.req.path;
    if (byteLength(c.req.url) > limits.urlMaxBytes) return refuse(path, 'url', limits.urlMaxBytes);
    let headerBytes = 0;
    c.req.raw.headers.forEach((value, name) => {
      headerBytes += name.length + value.length + 4; // ": " and CRLF
    });
    if (headerBytes > limits.headersMaxBytes) return refuse(path, 'headers', limits.headersMaxBytes);
    return (isApi(path) ? jsonBody : formBody)(c, next);
  };
}

/** Request URLs are ASCII on the wire (non-ASCII is percent-encoded), so length is bytes. */
const byteLength = (url: string) => url.length;
