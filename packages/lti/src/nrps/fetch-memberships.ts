// GET a context's memberships and every page after it. One call = one complete roster, or an
// explicit `truncated: true`, or an error — never a silently partial roster.
import { bodyExcerpt, type HttpError, type HttpResponse, isHttpError, type LinkTarget, parseLinkHeader, retryAfterSec } from '@tether/http';
import { type AccessTokenSource, authorisedRequest, isServiceTokenError, type ServiceTokenError } from '../service/index.js';
import { NRPS_BODY_EXCERPT_CHARS, NRPS_DEFAULT_MAX_PAGES, NRPS_DEFAULT_TIMEOUT_MS, NRPS_MAX_PAGE_BYTES, NRPS_MEDIA_TYPE, NRPS_SCOPE } from './constants.js';
import { NrpsError, type NrpsErrorDetails } from './errors.js';
import { type NrpsContext, type NrpsMember, parseMembershipPage } from './membership-container.js';

export type { AccessTokenSource };

export interface NrpsPage {
  /** This page's members, in the platform's order. */
  members: NrpsMember[];
  /** 1-based. */
  pageNumber: number;
  /** The URL this page was read from. */
  url: string;
  /** The page after it, or null on the last page. Store it to resume after a failure. */
  nextUrl: string | null;
}

export interface FetchMembershipsOptions {
  tokens: AccessTokenSource;
  /** Sent on every request; Canvas rejects requests without one. */
  userAgent: string;
  /** `role` query parameter: a role URI or short name (`Learner`). */
  role?: string;
  /** `limit` query parameter: page size hint (positive integer). */
  limit?: number;
  /** `rlid` query parameter: resource link id; members then carry `message` claims. */
  rlid?: string;
  /** Pages followed at most (default 100). Reaching it with a `next` link left ⇒ `truncated: true`. */
  maxPages?: number;
  fetch?: typeof fetch;
  /** Hosts (`host` or `host:port`) that may be private/internal addresses — local test LMSes only. */
  allowPrivateHosts?: readonly string[];
  /** Per page request, headers and body (default 10 000 ms). */
  timeoutMs?: number;
  /**
   * Called with each page once it has been read and validated, before the next one is asked
   * for. Awaited; an error thrown here stops the call and propagates unchanged.
   */
  onPage?: (page: NrpsPage) => Promise<void> | void;
}

export interface MembershipsResult {
  /** The container's `context`, from the first page that had a valid one. */
  context: NrpsContext | null;
  /** Every member of every page read, one entry per `userId` (a later page's record wins). */
  members: NrpsMember[];
  /** The `rel="differences"` link of the last page that had one. */
  differencesUrl: string | null;
  /** Pages read. */
  pages: number;
  /** True when `maxPages` was reached while a `next` link remained: `members` is NOT the whole roster. */
  truncated: boolean;
  /** When truncated: the first page not read (pass it as `url` to continue). Otherwise null. */
  nextUrl: string | null;
}

export async function fetchMemberships(url: string, opts: FetchMembershipsOptions): Promise<MembershipsResult> {
  const first = checkUrl(url);
  const o = checkOptions(opts);
  const origin = first.origin;
  const startUrl = withQuery(first, { role: opts.role, limit: opts.limit === undefined ? undefined : String(opts.limit), rlid: opts.rlid });

  const members = new Map<string, NrpsMember>();
  const visited = new Set<string>();
  let context: NrpsContext | null = null;
  let differencesUrl: string | null = null;
  let pages = 0;
  let next: string | null = startUrl;

  while (next !== null) {
    if (pages >= o.maxPages) {
      return { context, members: [...members.values()], differencesUrl, pages, truncated: true, nextUrl: next };
    }
    const pageUrl: string = next;
    const pageNumber = pages + 1;
    visited.add(pageUrl);

    const res = await authorisedGet(pageUrl, pageNumber, o);
    const where = { url: pageUrl, pageNumber };

    let json: unknown;
    try {
      json = JSON.parse(res.text) as unknown;
    } catch {
      throw new NrpsError('nrps_invalid_response', `Memberships page ${pageNumber} (${pageUrl}) is not JSON`, {
        status: res.status,
        details: { ...where, contentType: res.headers.get('content-type'), body: excerpt(res.text) },
      });
    }
    const parsed = parseMembershipPage(json);
    if (!parsed.ok) {
      throw new NrpsError('nrps_invalid_response', `Memberships page ${pageNumber} (${pageUrl}) is not a membership container: ${parsed.path}: ${parsed.message}`, {
        status: res.status,
        details: { ...where, path: parsed.path, issue: parsed.message, body: excerpt(res.text) },
      });
    }

    const links = parseLinkHeader(res.headers.get('link'), pageUrl);
    const nextLink = links.next;
    let following: string | null = null;
    if (nextLink !== undefined) {
      following = sameOriginLink(nextLink, 'next', origin, where);
      if (visited.has(following)) {
        throw new NrpsError('nrps_invalid_response', `Memberships paging loops: page ${pageNumber} links back to a page already read`, {
          details: { ...where, next: following },
        });
      }
    }
    const diffLink = links.differences;
    if (diffLink !== undefined) {
      differencesUrl = sameOriginLink(diffLink, 'differences', origin, where);
    }

    pages = pageNumber;
    if (context === null) context = parsed.page.context;
    for (const m of parsed.page.members) members.set(m.userId, m);
    if (o.onPage) await o.onPage({ members: parsed.page.members, pageNumber, url: pageUrl, nextUrl: following });
    next = following;
  }
  return { context, members: [...members.values()], differencesUrl, pages, truncated: false, nextUrl: null };
}

// ------------------------------------------------------------------ checks

interface CheckedOptions {
  tokens: AccessTokenSource;
  userAgent: string;
  maxPages: number;
  /** Undefined ⇒ the HTTP client's own (the global fetch pinned to vetted addresses). */
  fetch: typeof fetch | undefined;
  allowPrivateHosts: readonly string[] | undefined;
  timeoutMs: number;
  onPage: FetchMembershipsOptions['onPage'];
}

function checkUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError('fetchMemberships: url must be an absolute URL (the context_memberships_url claim)');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TypeError('fetchMemberships: url must be http(s)');
  return u;
}

function checkOptions(opts: FetchMembershipsOptions): CheckedOptions {
  if (opts === null || typeof opts !== 'object') throw new TypeError('fetchMemberships: options are required');
  const { tokens } = opts;
  if (tokens === null || typeof tokens !== 'object' || typeof tokens.getToken !== 'function' || typeof tokens.invalidate !== 'function') {
    throw new TypeError('fetchMemberships: tokens must provide getToken() and invalidate()');
  }
  if (typeof opts.userAgent !== 'string' || opts.userAgent.trim() === '') {
    throw new TypeError('fetchMemberships: userAgent is required (platforms such as Canvas reject requests without one)');
  }
  if (opts.role !== undefined && (typeof opts.role !== 'string' || opts.role === '')) {
    throw new TypeError('fetchMemberships: role must be a non-empty string');
  }
  if (opts.rlid !== undefined && (typeof opts.rlid !== 'string' || opts.rlid === '')) {
    throw new TypeError('fetchMemberships: rlid must be a non-empty string');
  }
  if (opts.limit !== undefined && !(Number.isSafeInteger(opts.limit) && opts.limit > 0)) {
    throw new TypeError('fetchMemberships: limit must be a positive integer');
  }
  const maxPages = opts.maxPages ?? NRPS_DEFAULT_MAX_PAGES;
  if (!(Number.isSafeInteger(maxPages) && maxPages > 0)) throw new TypeError('fetchMemberships: maxPages must be a positive integer');
  const timeoutMs = opts.timeoutMs ?? NRPS_DEFAULT_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError('fetchMemberships: timeoutMs must be a positive number');
  if (opts.onPage !== undefined && typeof opts.onPage !== 'function') throw new TypeError('fetchMemberships: onPage must be a function');
  return { tokens, userAgent: opts.userAgent, maxPages, fetch: opts.fetch, allowPrivateHosts: opts.allowPrivateHosts, timeoutMs, onPage: opts.onPage };
}

/**
 * Adds query parameters without re-encoding the ones already there (a platform may compare its
 * URL byte for byte); a parameter we set replaces one of the same name.
 */
function withQuery(url: URL, params: Record<string, string | undefined>): string {
  const ours = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  if (ours.length === 0) return url.href;
  const names = new Set(ours.map(([k]) => k));
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((part) => part !== '' && !names.has(decodeName(part.split('=')[0]!)));
  const added = ours.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const out = new URL(url.href);
  out.search = `?${[...kept, ...added].join('&')}`;
  return out.href;
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function sameOriginLink({ href, target }: LinkTarget, rel: 'next' | 'differences', origin: string, where: { url: string; pageNumber: number }): string {
  if (href === null) {
    throw new NrpsError('nrps_invalid_response', `Memberships page ${where.pageNumber} has a rel="${rel}" link that is not a valid URL`, {
      details: { ...where, rel, target },
    });
  }
  const u = new URL(href);
  if (u.origin !== origin) {
    // The bearer token would follow the link: never to another scheme, host or port.
    throw new NrpsError('nrps_invalid_response', `Memberships page ${where.pageNumber} has a rel="${rel}" link to another origin (${u.origin}); not followed`, {
      details: { ...where, rel, target: href, expectedOrigin: origin },
    });
  }
  return href;
}

// ------------------------------------------------------------------ HTTP

/** One page through the service connector (Bearer token, 401 → fresh token → one retry); status → error. */
async function authorisedGet(url: string, pageNumber: number, o: CheckedOptions): Promise<HttpResponse> {
  let res: HttpResponse;
  try {
    res = await authorisedRequest(
      {
        tokens: o.tokens,
        scopes: [NRPS_SCOPE],
        userAgent: o.userAgent,
        ...(o.fetch === undefined ? {} : { fetch: o.fetch }),
        ...(o.allowPrivateHosts === undefined ? {} : { allowPrivateHosts: o.allowPrivateHosts }),
        timeoutMs: o.timeoutMs,
        maxBytes: NRPS_MAX_PAGE_BYTES,
      },
      // Redirects are refused: a redirect would carry the bearer token to a URL nobody configured.
      { method: 'GET', url, accept: NRPS_MEDIA_TYPE },
    );
  } catch (err) {
    if (isHttpError(err)) throw transportFailure(err, url, pageNumber, o.timeoutMs);
    if (isServiceTokenError(err)) throw tokenFailure(err, url, pageNumber);
    throw err;
  }
  if (res.status === 401) {
    throw new NrpsError('nrps_token_rejected', `GET ${url} answered 401 even with a freshly issued access token`, {
      status: 401,
      details: { url, pageNumber, body: excerpt(res.text), wwwAuthenticate: res.headers.get('www-authenticate') },
    });
  }
  if (res.ok) return res;
  throw failure(url, pageNumber, res);
}

function transportFailure(err: HttpError, url: string, pageNumber: number, timeoutMs: number): NrpsError {
  const where = { url, pageNumber };
  switch (err.code) {
    case 'http_timeout':
      return new NrpsError('nrps_unavailable', `GET ${url} (memberships page ${pageNumber}) did not complete within ${timeoutMs} ms`, {
        details: { ...where, reason: 'timeout', timeoutMs },
        cause: err,
      });
    case 'http_too_large':
      return new NrpsError('nrps_invalid_response', `Memberships page ${pageNumber} (${url}) is larger than ${NRPS_MAX_PAGE_BYTES} bytes`, {
        ...(err.status === undefined ? {} : { status: err.status }),
        details: { ...where, maxBytes: NRPS_MAX_PAGE_BYTES },
        cause: err,
      });
    case 'http_redirect_refused':
      return new NrpsError('nrps_request_rejected', `GET ${url} answered a redirect (HTTP ${err.status}); not followed`, {
        ...(err.status === undefined ? {} : { status: err.status }),
        details: { ...where, body: '', location: (err.details.location as string | null | undefined) ?? null },
        cause: err,
      });
    case 'http_address_refused':
      // Permanent: the URL (memberships or token) is on an internal network; nothing was sent.
      return new NrpsError('nrps_request_rejected', `Memberships page ${pageNumber} not read: ${err.message}`, {
        details: { ...where, reason: 'address_refused', host: String(err.details.host ?? '') },
        cause: err,
      });
    case 'http_network':
    case 'http_invalid_url': {
      const error = String(err.details.error ?? err.message);
      return new NrpsError('nrps_unavailable', `GET ${url} (memberships page ${pageNumber}) failed (${error})`, {
        details: { ...where, reason: 'network', error },
        cause: err,
      });
    }
  }
}

/** The token endpoint's failure, as the memberships call that needed the token. */
function tokenFailure(err: ServiceTokenError, url: string, pageNumber: number): NrpsError {
  const code = err.code === 'service_token_rejected' ? 'nrps_token_rejected' : err.code === 'service_token_unavailable' ? 'nrps_unavailable' : 'nrps_invalid_response';
  return new NrpsError(code, `No access token for GET ${url}: ${err.message}`, {
    ...(err.status === undefined ? {} : { status: err.status }),
    details: { url, pageNumber, reason: 'token', ...pickStrings(err.details, ['tokenUrl', 'error', 'error_description']) },
    cause: err,
  });
}

function pickStrings(details: Readonly<Record<string, unknown>>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (typeof details[n] === 'string') out[n] = details[n];
  return out;
}

function failure(url: string, pageNumber: number, res: HttpResponse): NrpsError {
  const status = res.status;
  const details: NrpsErrorDetails = { url, pageNumber, body: excerpt(res.text) };
  if (status === 403) {
    return new NrpsError('nrps_scope_missing', `GET ${url} was refused (HTTP 403): the access token lacks ${NRPS_SCOPE}`, {
      status,
      details: { ...details, needed: NRPS_SCOPE },
    });
  }
  if (status === 404) {
    return new NrpsError('nrps_not_found', `Memberships URL not found (HTTP 404): ${url}`, { status, details });
  }
  if (status >= 500 || status === 429) {
    return new NrpsError('nrps_unavailable', `GET ${url} (memberships page ${pageNumber}) answered HTTP ${status}`, {
      status,
      details: { ...details, reason: 'status', retryAfterSec: retryAfterSec(res.headers) },
    });
  }
  return new NrpsError('nrps_request_rejected', `GET ${url} was rejected (HTTP ${status})`, { status, details });
}

function excerpt(text: string): string {
  return bodyExcerpt(text, NRPS_BODY_EXCERPT_CHARS);
}
