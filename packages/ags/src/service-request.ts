import { AgsError } from './errors.js';
import { excerpt, fetchText, retryAfterSec, type FetchedText } from './http.js';
import type { ServiceToken, ServiceTokenProvider } from './token-provider.js';

export interface ServiceContext {
  tokens: ServiceTokenProvider;
  /** Scopes the platform granted (launch claim / registration). */
  grantedScopes: readonly string[];
  /** Scopes asked for at the token endpoint: the granted AGS scopes, so one token serves every call. */
  tokenScopes: readonly string[];
  userAgent: string;
  fetch: typeof fetch;
  timeoutMs: number;
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
 * allowed), `Authorization: Bearer` (capital B: Blackboard refuses `bearer`), User-Agent and
 * Accept on every request, one retry with a fresh token on 401, and status → error mapping.
 */
export async function serviceRequest(ctx: ServiceContext, call: ServiceCall): Promise<FetchedText> {
  if (!call.anyOf.some((s) => ctx.grantedScopes.includes(s))) {
    throw scopeMissing(call, 'not_granted', ctx.grantedScopes);
  }

  const send = async (token: ServiceToken): Promise<FetchedText> => {
    // The platform may grant fewer scopes than asked; refuse instead of collecting a 403.
    if (!call.anyOf.some((s) => token.scopes.includes(s))) {
      throw scopeMissing(call, 'not_in_token', token.scopes);
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${token.accessToken}`,
      accept: call.accept,
      'user-agent': ctx.userAgent,
    };
    if (call.contentType !== undefined) headers['content-type'] = call.contentType;
    return fetchText(
      ctx.fetch,
      call.url,
      { method: call.method, headers, ...(call.body !== undefined && { body: call.body }) },
      ctx.timeoutMs,
    );
  };

  let token = await ctx.tokens.getToken(ctx.tokenScopes);
  let res = await send(token);
  if (res.status === 401) {
    // Expired or revoked before our safety margin: drop it (only if nobody refreshed it yet),
    // get a new one and try once more. A second 401 is not going to change by retrying.
    ctx.tokens.invalidate(ctx.tokenScopes, token.accessToken);
    token = await ctx.tokens.getToken(ctx.tokenScopes);
    res = await send(token);
    if (res.status === 401) {
      throw new AgsError('ags_token_rejected', `${call.method} ${call.url} answered 401 even with a freshly issued token`, {
        status: 401,
        details: { url: call.url, method: call.method, body: excerpt(res.text) },
      });
    }
  }
  if (res.status >= 200 && res.status < 300) return res;
  throw failure(call, res);
}

function failure(call: ServiceCall, res: FetchedText): AgsError {
  const details = { url: call.url, method: call.method, body: excerpt(res.text) };
  const status = res.status;
  if (status >= 300 && status < 400) {
    return new AgsError('ags_request_rejected', `${call.method} ${call.url} answered a redirect (HTTP ${status}); not followed`, {
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
