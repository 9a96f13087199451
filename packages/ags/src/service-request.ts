// One AGS call on the LTI service connector: scope checks, the authorised request (Bearer,
// 401 → fresh token → one retry), and every failure in AGS's own codes.
import { bodyExcerpt as excerpt, type HttpError, type HttpResponse, isHttpError, retryAfterSec } from '@tether/http';
import { authorisedRequest, isServiceTokenError, type ServiceTokenError, type ServiceTokenProvider } from '@tether/lti';
import { AgsError } from './errors.js';

export interface ServiceContext {
  tokens: ServiceTokenProvider;
  /** Scopes the platform granted (launch claim / registration). */
  grantedScopes: readonly string[];
  /** Scopes asked for at the token endpoint: the granted AGS scopes, so one token serves every call. */
  tokenScopes: readonly string[];
  userAgent: string;
  fetch: typeof fetch | undefined;
  /** Hosts that may be private/internal addresses — local test LMSes only. */
  allowPrivateHosts: readonly string[] | undefined;
  timeoutMs: number;
  maxBytes: number;
}

export interface ServiceCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  accept: string;
  contentType?: string;
  body?: string;
  /** The call needs at least one of these scopes. */
  anyOf: readonly string[];
  /** A 404 on a line item URL means the line item is gone; on a container it is just a rejection. */
  notFound: 'lineitem' | 'other';
}

function scopeMissing(call: ServiceCall, reason: 'not_granted' | 'not_in_token', granted: readonly string[]): AgsError {
  const why = reason === 'not_granted' ? 'which was not granted' : 'which the access token does not carry';
  return new AgsError('ags_scope_missing', `${call.method} ${call.url} needs scope ${call.anyOf.join(' or ')}, ${why}`, {
    details: { url: call.url, method: call.method, needed: call.anyOf, granted, reason },
  });
}

/**
 * One authorised AGS request: scope checks first (nothing is sent for a call that cannot be
 * allowed), then the connector's authorised request, and status → error mapping.
 */
export async function serviceRequest(ctx: ServiceContext, call: ServiceCall): Promise<HttpResponse> {
  if (!call.anyOf.some((s) => ctx.grantedScopes.includes(s))) {
    throw scopeMissing(call, 'not_granted', ctx.grantedScopes);
  }
  let res: HttpResponse;
  try {
    res = await authorisedRequest(
      {
        tokens: ctx.tokens,
        scopes: ctx.tokenScopes,
        // The platform may grant fewer scopes than asked; refuse instead of collecting a 403.
        checkToken: (token) => {
          const carried = token.scopes ?? [];
          if (!call.anyOf.some((s) => carried.includes(s))) throw scopeMissing(call, 'not_in_token', carried);
        },
        userAgent: ctx.userAgent,
        timeoutMs: ctx.timeoutMs,
        maxBytes: ctx.maxBytes,
        ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
        ...(ctx.allowPrivateHosts === undefined ? {} : { allowPrivateHosts: ctx.allowPrivateHosts }),
      },
      {
        method: call.method,
        url: call.url,
        accept: call.accept,
        ...(call.contentType === undefined ? {} : { contentType: call.contentType }),
        ...(call.body === undefined ? {} : { body: call.body }),
      },
    );
  } catch (err) {
    if (isHttpError(err)) throw transportFailure(call, err, ctx.timeoutMs);
    if (isServiceTokenError(err)) throw tokenFailure(err);
    throw err;
  }
  if (res.status === 401) {
    throw new AgsError('ags_token_rejected', `${call.method} ${call.url} answered 401 even with a freshly issued token`, {
      status: 401,
      details: { url: call.url, method: call.method, body: excerpt(res.text) },
    });
  }
  if (res.ok) return res;
  throw failure(call, res);
}

function transportFailure(call: ServiceCall, err: HttpError, timeoutMs: number): AgsError {
  const base = { url: call.url, method: call.method };
  const status = err.status === undefined ? {} : { status: err.status };
  switch (err.code) {
    case 'http_timeout':
      return new AgsError('ags_platform_unavailable', `${call.method} ${call.url} did not complete within ${timeoutMs} ms`, {
        details: { ...base, timeoutMs, reason: 'timeout' },
        cause: err,
      });
    case 'http_redirect_refused':
      return new AgsError('ags_request_rejected', `${call.method} ${call.url} answered a redirect (HTTP ${err.status}); not followed`, {
        ...status,
        details: { ...base, body: '', location: (err.details.location as string | null | undefined) ?? null },
        cause: err,
      });
    case 'http_too_large':
      return new AgsError('ags_invalid_response', `${call.method} ${call.url} answered more than ${String(err.details.maxBytes)} bytes`, {
        ...status,
        details: { ...base, maxBytes: err.details.maxBytes as number },
        cause: err,
      });
    case 'http_address_refused':
      // Permanent: the URL (service or token) is on an internal network; nothing was sent.
      return new AgsError('ags_request_rejected', `${call.method} ${call.url} not sent: ${err.message}`, {
        details: { ...base, reason: 'address_refused', host: String(err.details.host ?? '') },
        cause: err,
      });
    case 'http_network':
    case 'http_invalid_url':
      return new AgsError('ags_platform_unavailable', `${call.method} ${call.url} failed (network error)`, {
        details: { ...base, reason: 'network', error: String(err.details.error ?? '') },
        cause: err,
      });
  }
}

/** The token endpoint's failure, in AGS codes (what callers of the AGS client have always seen). */
function tokenFailure(err: ServiceTokenError): AgsError {
  const code = err.code === 'service_token_rejected' ? 'ags_token_rejected' : err.code === 'service_token_unavailable' ? 'ags_platform_unavailable' : 'ags_invalid_response';
  const details: Record<string, string | number | boolean | null | undefined | readonly string[]> = {};
  for (const [k, v] of Object.entries(err.details)) {
    if (v === null || v === undefined || ['string', 'number', 'boolean'].includes(typeof v)) details[k] = v as string | number | boolean | null | undefined;
  }
  return new AgsError(code, err.message, { ...(err.status === undefined ? {} : { status: err.status }), details, cause: err });
}

function failure(call: ServiceCall, res: HttpResponse): AgsError {
  const details = { url: call.url, method: call.method, body: excerpt(res.text) };
  const status = res.status;
  if (status >= 300 && status < 400) {
    return new AgsError('ags_request_rejected', `${call.method} ${call.url} answered HTTP ${status}; not followed`, {
      status,
      details: { ...details, location: res.headers.get('location') },
    });
  }
  if (status === 403) {
    return new AgsError('ags_scope_missing', `${call.method} ${call.url} was refused (HTTP 403): the token lacks the needed scope`, {
      status,
      details: { ...details, needed: call.anyOf },
    });
  }
  if (status === 404 && call.notFound === 'lineitem') {
    return new AgsError('ags_lineitem_not_found', `Line item not found (HTTP 404): ${call.url}`, { status, details });
  }
  if (status >= 500 || status === 429) {
    return new AgsError('ags_platform_unavailable', `${call.method} ${call.url} answered HTTP ${status}`, {
      status,
      details: { ...details, retryAfterSec: retryAfterSec(res.headers) },
    });
  }
  return new AgsError('ags_request_rejected', `${call.method} ${call.url} was rejected (HTTP ${status})`, { status, details });
}
