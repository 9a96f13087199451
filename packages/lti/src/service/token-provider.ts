// The service-token provider of LTI Advantage (AGS, NRPS): OAuth2 client credentials with a
// signed client assertion, one cached token per (token URL, client_id, scope set).
import type { CryptoKey, KeyObject } from '@tether/crypto';
import {
  bodyExcerpt as excerpt,
  type HttpError,
  type HttpResponse,
  isHttpError,
  OUTBOUND_TIMEOUT_MS,
  parseJsonBody as parseJson,
  requireUserAgent,
  retryAfterSec,
  send,
} from '@tether/http';
import { z } from 'zod';
import { CLIENT_ASSERTION_TYPE, createClientAssertion } from './client-assertion.js';
import { ServiceTokenError } from './errors.js';

export interface ServiceToken {
  accessToken: string;
  /** When the platform says the token expires (ms since the epoch). */
  expiresAt: number;
  /** Scopes the token carries: the platform's `scope` answer, else the ones requested (sorted). */
  scopes: string[];
}

export interface CachedServiceToken {
  token: ServiceToken;
  /** Reuse until then (ms since the epoch): `expires_in` minus the safety margin. */
  refreshAt: number;
}

/**
 * Where tokens are cached. A `Map` fits; pass one Map to several providers to share it in a
 * process. Keys hold the token URL, client_id and sorted scope set, so registrations that
 * share a token URL (one Canvas issuer, many tenants) never see each other's tokens.
 */
export interface ServiceTokenCache {
  get(key: string): CachedServiceToken | undefined;
  set(key: string, value: CachedServiceToken): unknown;
  delete(key: string): unknown;
}

export interface ServiceTokenProviderOptions {
  clientId: string;
  tokenUrl: string;
  /** Client-assertion `aud`. Default: tokenUrl. D2L wants `https://api.brightspace.com/auth/token`. */
  audience?: string;
  /** Adds the LTI deployment_id claim to the assertion. */
  deploymentId?: string;
  /** The tool's current signing key; called once per token request (so rotation is picked up). */
  signer: () => Promise<{ kid: string; key: CryptoKey | KeyObject }>;
  userAgent: string;
  fetch?: typeof fetch;
  /** Hosts (`host` or `host:port`) that may be private/internal addresses — local test LMSes only. */
  allowPrivateHosts?: readonly string[];
  /** Milliseconds since the epoch. Default Date.now. */
  now?: () => number;
  /** Stop using a token this long before it expires. Default 60 s. */
  safetyMarginSec?: number;
  /** Token request budget. Default 10 000 ms. */
  timeoutMs?: number;
  /** Default: a private Map. */
  cache?: ServiceTokenCache;
}

export interface ServiceTokenProviderStats {
  /** Requests sent to the token endpoint (shared in-flight requests count once). */
  tokenRequests: number;
  /** getToken calls answered from the cache. */
  cacheHits: number;
  /** getToken calls that joined a request already running for the same scope set. */
  joinedInFlight: number;
  /** Cached tokens dropped by invalidate(). */
  invalidations: number;
}

export interface ServiceTokenProvider {
  readonly clientId: string;
  readonly tokenUrl: string;
  getToken(scopes: readonly string[]): Promise<ServiceToken>;
  /**
   * Drops the cached token for this scope set. With `accessToken`, only if the cached token
   * is that one: after a 401, concurrent callers each invalidate the token *they* used, and a
   * token already refreshed by another caller survives.
   */
  invalidate(scopes: readonly string[], accessToken?: string): void;
  stats(): ServiceTokenProviderStats;
}

const DEFAULT_SAFETY_MARGIN_SEC = 60;
/** A token answer is a few hundred bytes; anything near this is not one. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** Used when the platform leaves `expires_in` out (OAuth makes it optional); LTI platforms use 1 h. */
const DEFAULT_EXPIRES_IN_SEC = 3600;

const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string(),
  // Some platforms send it as a string.
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
  scope: z.string().optional(),
});

/** Normalised scope set: deduplicated, sorted, so the cache key and the request agree. */
function normaliseScopes(scopes: readonly string[]): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new TypeError('getToken: at least one scope is required');
  for (const s of scopes) {
    if (typeof s !== 'string' || s === '' || /\s/.test(s)) throw new TypeError('getToken: scopes must be non-empty strings without spaces');
  }
  return [...new Set(scopes)].sort();
}

/**
 * OAuth2 client-credentials tokens for LTI services (`private_key_jwt`), cached per
 * (token URL, client_id, sorted scope set) until `expires_in` minus a safety margin.
 * Concurrent callers for one key share a single token request: a batch of grade posts costs
 * one token, not one each (Canvas rate-limits the token endpoint).
 */
export function createServiceTokenProvider(opts: ServiceTokenProviderOptions): ServiceTokenProvider {
  if (typeof opts.clientId !== 'string' || opts.clientId === '') throw new TypeError('createServiceTokenProvider: clientId is required');
  const tokenUrl = parseTokenUrl(opts.tokenUrl);
  const audience = opts.audience ?? opts.tokenUrl;
  if (typeof audience !== 'string' || audience === '') throw new TypeError('createServiceTokenProvider: audience must be a non-empty string');
  if (typeof opts.signer !== 'function') throw new TypeError('createServiceTokenProvider: signer is required');
  const userAgent = requireUserAgent(opts.userAgent, 'createServiceTokenProvider');
  const safetyMarginSec = opts.safetyMarginSec ?? DEFAULT_SAFETY_MARGIN_SEC;
  if (!Number.isFinite(safetyMarginSec) || safetyMarginSec < 0) {
    throw new TypeError('createServiceTokenProvider: safetyMarginSec must be a non-negative number');
  }
  const timeoutMs = opts.timeoutMs ?? OUTBOUND_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  const cache: ServiceTokenCache = opts.cache ?? new Map<string, CachedServiceToken>();
  const inFlight = new Map<string, Promise<ServiceToken>>();
  const counters: ServiceTokenProviderStats = { tokenRequests: 0, cacheHits: 0, joinedInFlight: 0, invalidations: 0 };

  const cacheKey = (scopes: string[]): string => JSON.stringify([tokenUrl, opts.clientId, scopes]);

  async function requestToken(scopes: string[]): Promise<CachedServiceToken> {
    const { kid, key } = await opts.signer();
    const assertion = await createClientAssertion({
      clientId: opts.clientId,
      audience,
      kid,
      key,
      now: now(),
      ...(opts.deploymentId !== undefined && { deploymentId: opts.deploymentId }),
    });
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: scopes.join(' '),
    }).toString();
    let res: HttpResponse;
    try {
      res = await send({
        url: tokenUrl,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        userAgent,
        timeoutMs,
        maxBytes: MAX_TOKEN_RESPONSE_BYTES,
        ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
        ...(opts.allowPrivateHosts === undefined ? {} : { allowPrivateHosts: opts.allowPrivateHosts }),
      });
    } catch (err) {
      if (isHttpError(err)) throw transportError(err, { tokenUrl, clientId: opts.clientId }, timeoutMs);
      throw err;
    }
    const receivedAt = now();
    const base = { tokenUrl, clientId: opts.clientId };

    if (res.status >= 500 || res.status === 429) {
      // Outages and rate limits pass; the same request may succeed later.
      throw new ServiceTokenError('service_token_unavailable', `Token endpoint answered HTTP ${res.status}`, {
        status: res.status,
        details: { ...base, retryAfterSec: retryAfterSec(res.headers), body: excerpt(res.text) },
      });
    }
    if (res.status < 200 || res.status >= 300) {
      const err = parseJson(res.text) as { error?: unknown; error_description?: unknown } | undefined;
      const error = typeof err?.error === 'string' ? excerpt(err.error, 100) : undefined;
      const description = typeof err?.error_description === 'string' ? excerpt(err.error_description, 300) : undefined;
      throw new ServiceTokenError(
        'service_token_rejected',
        `Token endpoint refused the client assertion (HTTP ${res.status}${error ? `, ${error}` : ''}${description ? `: ${description}` : ''})`,
        {
          status: res.status,
          details: { ...base, audience, error, error_description: description, ...(error === undefined && { body: excerpt(res.text) }) },
        },
      );
    }

    const parsed = tokenResponseSchema.safeParse(parseJson(res.text));
    if (!parsed.success) {
      throw new ServiceTokenError('service_token_invalid', 'Token endpoint answered 2xx without a usable access_token/token_type', {
        status: res.status,
        details: { ...base, issues: parsed.error.issues.map((i) => i.path.join('.') || i.message) },
      });
    }
    const data = parsed.data;
    // RFC 6749 token types are case-insensitive: platforms send both `bearer` and `Bearer`.
    if (data.token_type.toLowerCase() !== 'bearer') {
      throw new ServiceTokenError('service_token_invalid', `Token endpoint issued a "${excerpt(data.token_type, 40)}" token; only Bearer is supported`, {
        status: res.status,
        details: { ...base, tokenType: excerpt(data.token_type, 40) },
      });
    }
    const expiresInSec = data.expires_in !== undefined && data.expires_in > 0 ? data.expires_in : DEFAULT_EXPIRES_IN_SEC;
    // A margin as long as the token's life would mean a token request per call; use half the life then.
    const marginSec = expiresInSec > safetyMarginSec ? safetyMarginSec : expiresInSec / 2;
    const granted = data.scope !== undefined && data.scope.trim() !== '' ? [...new Set(data.scope.trim().split(/\s+/))].sort() : scopes;
    return {
      token: { accessToken: data.access_token, expiresAt: receivedAt + expiresInSec * 1000, scopes: granted },
      refreshAt: receivedAt + (expiresInSec - marginSec) * 1000,
    };
  }

  async function getToken(scopes: readonly string[]): Promise<ServiceToken> {
    const normalised = normaliseScopes(scopes);
    const key = cacheKey(normalised);
    const cached = cache.get(key);
    if (cached !== undefined && cached.refreshAt > now()) {
      counters.cacheHits++;
      return cached.token;
    }
    const running = inFlight.get(key);
    if (running !== undefined) {
      counters.joinedInFlight++;
      return running;
    }
    counters.tokenRequests++;
    const promise = requestToken(normalised)
      .then((entry) => {
        cache.set(key, entry);
        return entry.token;
      })
      // A failure is not cached: the next caller tries again.
      .finally(() => inFlight.delete(key));
    inFlight.set(key, promise);
    return promise;
  }

  function invalidate(scopes: readonly string[], accessToken?: string): void {
    const key = cacheKey(normaliseScopes(scopes));
    const cached = cache.get(key);
    if (cached === undefined) return;
    if (accessToken !== undefined && cached.token.accessToken !== accessToken) return;
    cache.delete(key);
    counters.invalidations++;
  }

  return {
    clientId: opts.clientId,
    tokenUrl,
    getToken,
    invalidate,
    stats: () => ({ ...counters }),
  };
}

/**
 * The HTTP client's failure as a token endpoint failure. A refused address stays the HTTP
 * client's error: nothing was contacted, so no token-endpoint code fits, and the AGS and NRPS
 * clients give it their own non-retryable code.
 */
function transportError(err: HttpError, where: { tokenUrl: string; clientId: string }, timeoutMs: number): ServiceTokenError | HttpError {
  const status = err.status === undefined ? {} : { status: err.status };
  switch (err.code) {
    case 'http_address_refused':
      return err;
    case 'http_timeout':
      return new ServiceTokenError('service_token_unavailable', `Token endpoint did not answer within ${timeoutMs} ms`, {
        details: { ...where, reason: 'timeout', timeoutMs },
        cause: err,
      });
    case 'http_network':
      return new ServiceTokenError('service_token_unavailable', 'Token endpoint could not be reached', {
        details: { ...where, reason: 'network', error: String(err.details.error ?? '') },
        cause: err,
      });
    case 'http_redirect_refused':
      return new ServiceTokenError('service_token_rejected', `Token endpoint answered a redirect (HTTP ${err.status}); not followed`, {
        ...status,
        details: { ...where, location: (err.details.location as string | null | undefined) ?? null },
        cause: err,
      });
    case 'http_too_large':
    case 'http_invalid_url':
      return new ServiceTokenError('service_token_invalid', `Token endpoint answer unusable: ${err.message}`, {
        ...status,
        details: { ...where, reason: err.reason ?? err.code },
        cause: err,
      });
  }
}

function parseTokenUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new TypeError('createServiceTokenProvider: tokenUrl is not an absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TypeError('createServiceTokenProvider: tokenUrl must be an http(s) URL');
  return u.toString();
}
