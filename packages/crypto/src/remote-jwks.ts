import { DOCUMENT_MAX_BYTES, type HttpError, type HttpResponse, isHttpError, send } from '@tether/http';
import { type CryptoKey, importJWK, type JWK, type KeyObject } from 'jose';
import { z } from 'zod';
import { CryptoError } from './errors.js';
import { toPublicJwk } from './public-jwk.js';

export interface FetchJwksOptions {
  fetch?: typeof fetch;
  /** Sent as User-Agent so platform operators can tell who is calling. */
  userAgent: string;
  /** Whole request budget, headers and body. Default 5000. */
  timeoutMs?: number;
  /** Largest accepted body. Default 256 KiB. */
  maxBytes?: number;
  /** Hosts (`host` or `host:port`) that may be private/internal addresses — local test LMSes only. */
  allowPrivateHosts?: readonly string[];
}

export interface RemoteJwksOptions extends FetchJwksOptions {
  /** Lower bound for a cached key set's lifetime (also used for no-store/no-cache). Default 60 s. */
  minTtlMs?: number;
  /** Upper bound for a cached key set's lifetime. Default 24 h. */
  maxTtlMs?: number;
  /** Lifetime when the response has no Cache-Control max-age. Default 10 min. */
  defaultTtlMs?: number;
  /** How long an unknown (url, kid) is answered `kid_not_found` without fetching. Default 20 s. */
  negativeTtlMs?: number;
  /** Bound on remembered unknown kids; the oldest are forgotten first. Default 10 000. */
  maxNegativeEntries?: number;
  /**
   * Minimum time since the last fetch of a URL before an unknown kid may trigger a refetch.
   * Default 0 (always refetch once). Raise it to stop a flood of *distinct* bad kids from
   * costing one fetch each, at the price of noticing a platform key rotation later.
   */
  refetchCooldownMs?: number;
  now?: () => number;
}

export interface ResolvedRemoteKey {
  key: CryptoKey | KeyObject;
  /** This call fetched the key set again because the kid was not in the cached copy. */
  refetched: boolean;
  /** Answered entirely from cache, no network. */
  fromCache: boolean;
}

export interface RemoteJwksStats {
  /** Network fetches started (shared in-flight fetches count once). */
  fetches: number;
  /** Fetches forced by an unknown kid. */
  refetches: number;
  cacheHits: number;
  /** Requests answered from the negative cache. */
  negativeHits: number;
  cachedUrls: number;
  negativeEntries: number;
}

export interface RemoteJwksResolver {
  getKey(jwksUrl: string, kid: string | undefined, alg: string): Promise<ResolvedRemoteKey>;
  /** Drops the cached key set and remembered unknown kids for a URL. */
  invalidate(jwksUrl: string): void;
  stats(): RemoteJwksStats;
}

export interface JwksDocument {
  /** Keys as published, reduced to their public members. */
  keys: JWK[];
  count: number;
}

const DEFAULTS = {
  timeoutMs: 5000,
  maxBytes: DOCUMENT_MAX_BYTES,
  minTtlMs: 60_000,
  maxTtlMs: 24 * 60 * 60 * 1000,
  defaultTtlMs: 10 * 60 * 1000,
  negativeTtlMs: 20_000,
  maxNegativeEntries: 10_000,
  refetchCooldownMs: 0,
} as const;

const jwksDocumentSchema = z.looseObject({ keys: z.array(z.record(z.string(), z.unknown())) });
const jwkSchema = z.looseObject({
  kty: z.string().min(1),
  kid: z.string().min(1).optional(),
  alg: z.string().min(1).optional(),
  use: z.string().optional(),
  key_ops: z.array(z.string()).optional(),
});

/** Fetches and validates a JWKS document once, no caching (for "test connection"). */
export async function fetchJwksDocument(url: string, opts: FetchJwksOptions): Promise<JwksDocument> {
  const { keys } = await fetchJwks(url, opts);
  const published = keys.map(publicView);
  return { keys: published, count: published.length };
}

/**
 * Resolves platform verification keys by (JWKS URL, kid, alg), caching each URL's key set.
 *
 * - Cached kid ⇒ no network.
 * - Unknown kid ⇒ one refetch bypassing the cache (the platform may have rotated), then
 *   `kid_not_found`; the (url, kid) is then answered from a negative cache for
 *   `negativeTtlMs`, so repeating a bad kid does not hammer the platform.
 * - Concurrent requests for one URL share a single in-flight fetch.
 */
export function createRemoteJwksResolver(opts: RemoteJwksOptions): RemoteJwksResolver {
  const cfg = {
    minTtlMs: opts.minTtlMs ?? DEFAULTS.minTtlMs,
    maxTtlMs: opts.maxTtlMs ?? DEFAULTS.maxTtlMs,
    defaultTtlMs: opts.defaultTtlMs ?? DEFAULTS.defaultTtlMs,
    negativeTtlMs: opts.negativeTtlMs ?? DEFAULTS.negativeTtlMs,
    maxNegativeEntries: opts.maxNegativeEntries ?? DEFAULTS.maxNegativeEntries,
    refetchCooldownMs: opts.refetchCooldownMs ?? DEFAULTS.refetchCooldownMs,
  };
  if (cfg.minTtlMs > cfg.maxTtlMs) throw new TypeError('createRemoteJwksResolver: minTtlMs must not exceed maxTtlMs');
  const now = opts.now ?? Date.now;

  interface Entry {
    byKid: Map<string, JWK[]>;
    fetchedAt: number;
    expiresAt: number;
    imported: Map<string, Promise<CryptoKey>>;
  }
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<Entry>>();
  const negative = new Map<string, number>();
  const counters = { fetches: 0, refetches: 0, cacheHits: 0, negativeHits: 0 };

  const negKey = (url: string, kid: string) => `${url}\n${kid}`;

  function load(url: string): Promise<Entry> {
    // Anyone asking while a fetch is running gets that fetch: it is as fresh as a new one.
    const running = inFlight.get(url);
    if (running !== undefined) return running;
    counters.fetches++;
    const promise = fetchJwks(url, opts)
      .then(({ keys, cacheControl }) => {
        const fetchedAt = now();
        const entry: Entry = {
          byKid: indexKeys(keys),
          fetchedAt,
          expiresAt: fetchedAt + ttlFrom(cacheControl, cfg),
          imported: new Map(),
        };
        cache.set(url, entry);
        return entry;
      })
      .finally(() => inFlight.delete(url));
    inFlight.set(url, promise);
    return promise;
  }

  function rememberMissing(url: string, kid: string): void {
    const k = negKey(url, kid);
    negative.delete(k); // re-insert so Map order stays oldest-first
    negative.set(k, now() + cfg.negativeTtlMs);
    while (negative.size > cfg.maxNegativeEntries) {
      const oldest = negative.keys().next();
      if (oldest.done === true) break;
      negative.delete(oldest.value);
    }
  }

  function notFound(url: string, kid: string, alg: string, negativeCache: boolean): CryptoError {
    return new CryptoError('kid_not_found', 'No key with this kid in the platform JWKS', {
      details: { url, kid: truncate(kid), alg, negativeCache },
    });
  }

  async function getKey(jwksUrl: string, kid: string | undefined, alg: string): Promise<ResolvedRemoteKey> {
    if (kid === undefined || kid === '') {
      throw new CryptoError('kid_missing', 'JWT header has no "kid"; cannot pick a key from the platform JWKS', {
        details: { url: jwksUrl, alg },
      });
    }
    if (kty(alg) === undefined) {
      throw new CryptoError('alg_not_allowed', `Algorithm "${truncate(alg)}" is not an allowed asymmetric JWS algorithm`, {
        details: { url: jwksUrl, kid: truncate(kid), alg: truncate(alg) },
      });
    }

    let entry = cache.get(jwksUrl);
    let fetched = false;
    let refetched = false;
    if (entry === undefined || entry.expiresAt <= now()) {
      entry = await load(jwksUrl);
      fetched = true;
    }

    let jwk = pick(entry, jwksUrl, kid, alg);
    if (jwk === undefined && !fetched) {
      // Unknown kid against a cached set: maybe the platform rotated. Refetch once, unless
      // this kid was recently confirmed missing.
      const negUntil = negative.get(negKey(jwksUrl, kid));
      if (negUntil !== undefined && negUntil > now()) {
        counters.negativeHits++;
        throw notFound(jwksUrl, kid, alg, true);
      }
      if (now() - entry.fetchedAt < cfg.refetchCooldownMs) {
        rememberMissing(jwksUrl, kid);
        throw notFound(jwksUrl, kid, alg, false);
      }
      counters.refetches++;
      entry = await load(jwksUrl);
      refetched = true;
      jwk = pick(entry, jwksUrl, kid, alg);
    }
    if (jwk === undefined) {
      rememberMissing(jwksUrl, kid);
      throw notFound(jwksUrl, kid, alg, false);
    }

    negative.delete(negKey(jwksUrl, kid));
    if (!fetched && !refetched) counters.cacheHits++;
    const key = await importCached(entry, jwksUrl, kid, alg, jwk);
    return { key, refetched, fromCache: !fetched && !refetched };
  }

  return {
    getKey,
    invalidate(jwksUrl) {
      cache.delete(jwksUrl);
      const prefix = `${jwksUrl}\n`;
      for (const k of negative.keys()) if (k.startsWith(prefix)) negative.delete(k);
    },
    stats() {
      return { ...counters, cachedUrls: cache.size, negativeEntries: negative.size };
    },
  };
}

// ---------------------------------------------------------------------------------------

interface FetchedJwks {
  keys: Record<string, unknown>[];
  cacheControl: string | null;
}

async function fetchJwks(url: string, opts: FetchJwksOptions): Promise<FetchedJwks> {
  const timeoutMs = opts.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxBytes = opts.maxBytes ?? DEFAULTS.maxBytes;

  let res: HttpResponse;
  try {
    res = await send({
      url,
      method: 'GET',
      headers: { accept: 'application/json' },
      userAgent: opts.userAgent,
      timeoutMs,
      maxBytes,
      // A redirect could move us to a host the admin never configured: refused (the default).
      ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
      ...(opts.allowPrivateHosts === undefined ? {} : { allowPrivateHosts: opts.allowPrivateHosts }),
    });
  } catch (err) {
    if (isHttpError(err)) throw jwksFetchError(err, url, timeoutMs, maxBytes);
    throw err;
  }
  if (!res.ok) {
    throw new CryptoError('jwks_fetch_failed', `JWKS URL answered HTTP ${res.status}`, { details: { url, status: res.status } });
  }

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.body));
  } catch (err) {
    throw new CryptoError('jwks_invalid', 'JWKS response is not JSON', { details: { url, status: res.status }, cause: err });
  }
  const doc = jwksDocumentSchema.safeParse(json);
  if (!doc.success) {
    throw new CryptoError('jwks_invalid', 'JWKS response has no "keys" array of objects', { details: { url } });
  }
  return { keys: doc.data.keys, cacheControl: res.headers.get('cache-control') };
}

/** The HTTP client's failure in this module's vocabulary. */
function jwksFetchError(err: HttpError, url: string, timeoutMs: number, maxBytes: number): CryptoError {
  switch (err.code) {
    case 'http_invalid_url':
      return new CryptoError('jwks_fetch_failed', err.reason === 'not_http' ? 'JWKS URL must be http(s)' : 'JWKS URL is not a valid URL', {
        details: { url },
        cause: err,
      });
    case 'http_timeout':
      return new CryptoError('jwks_timeout', `JWKS fetch did not complete within ${timeoutMs} ms`, { details: { url, timeoutMs }, cause: err });
    case 'http_too_large': {
      const contentLength = err.details.contentLength;
      return new CryptoError('jwks_too_large', `JWKS response is larger than ${maxBytes} bytes`, {
        details: { url, maxBytes, ...(typeof contentLength === 'number' ? { contentLength } : {}) },
        cause: err,
      });
    }
    case 'http_redirect_refused': {
      const location = err.details.location;
      return new CryptoError('jwks_fetch_failed', 'JWKS URL answered with a redirect; configure the final URL instead', {
        details: { url, status: err.status ?? null, location: typeof location === 'string' ? location : null },
        cause: err,
      });
    }
    case 'http_network':
      return new CryptoError('jwks_fetch_failed', 'JWKS fetch failed (network error)', { details: { url }, cause: err });
    case 'http_address_refused':
      // Said in words, without a status: nothing was contacted.
      return new CryptoError('jwks_fetch_failed', 'JWKS URL points to a private or internal network address; Tether does not fetch from it', {
        details: { url, reason: 'address_refused' },
        cause: err,
      });
  }
}

function ttlFrom(cacheControl: string | null, cfg: { minTtlMs: number; maxTtlMs: number; defaultTtlMs: number }): number {
  const clamp = (ms: number) => Math.min(Math.max(ms, cfg.minTtlMs), cfg.maxTtlMs);
  if (cacheControl === null) return clamp(cfg.defaultTtlMs);
  const directives = cacheControl.split(',').map((d) => d.trim().toLowerCase());
  // We must cache something or every launch becomes a fetch; "don't cache" ⇒ the minimum.
  if (directives.includes('no-store') || directives.includes('no-cache')) return cfg.minTtlMs;
  for (const directive of directives) {
    const match = /^max-age\s*=\s*"?(\d+)"?$/.exec(directive);
    if (match?.[1] !== undefined) return clamp(Number(match[1]) * 1000);
  }
  return clamp(cfg.defaultTtlMs);
}

/** kid → candidate keys usable for signature verification. */
function indexKeys(keys: Record<string, unknown>[]): Map<string, JWK[]> {
  const byKid = new Map<string, JWK[]>();
  for (const raw of keys) {
    const parsed = jwkSchema.safeParse(raw);
    if (!parsed.success) continue; // one odd entry must not break the others
    const jwk = parsed.data;
    if (jwk.kid === undefined) continue; // we only ever select by kid
    if (jwk.use !== undefined && jwk.use !== 'sig') continue; // encryption keys are not for verifying
    if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) continue;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') continue; // never a shared secret (oct)
    const list = byKid.get(jwk.kid) ?? [];
    list.push(toPublicJwk(jwk as JWK)); // drop private members a misconfigured platform might publish
    byKid.set(jwk.kid, list);
  }
  return byKid;
}

/** The key for (kid, alg), undefined if the kid is absent; `alg_not_allowed` if it conflicts. */
function pick(entry: { byKid: Map<string, JWK[]> }, url: string, kid: string, alg: string): JWK | undefined {
  const candidates = entry.byKid.get(kid);
  if (candidates === undefined || candidates.length === 0) return undefined;
  const match = candidates.find((k) => k.alg === alg) ?? candidates.find((k) => k.alg === undefined);
  if (match === undefined) {
    throw new CryptoError('alg_not_allowed', 'The JWKS key for this kid is published for a different algorithm', {
      details: { url, kid: truncate(kid), alg, keyAlg: candidates.map((k) => k.alg ?? '').join(',') },
    });
  }
  if (match.kty !== kty(alg)) {
    throw new CryptoError('alg_not_allowed', 'The JWKS key type does not fit the token algorithm', {
      details: { url, kid: truncate(kid), alg, kty: match.kty },
    });
  }
  return match;
}

function importCached(entry: { imported: Map<string, Promise<CryptoKey>> }, url: string, kid: string, alg: string, jwk: JWK): Promise<CryptoKey> {
  const cacheKey = `${kid}\n${alg}`;
  let promise = entry.imported.get(cacheKey);
  if (promise === undefined) {
    promise = importVerificationKey(url, kid, alg, jwk);
    entry.imported.set(cacheKey, promise);
    // Do not cache a failed import.
    promise.catch(() => entry.imported.delete(cacheKey));
  }
  return promise;
}

async function importVerificationKey(url: string, kid: string, alg: string, jwk: JWK): Promise<CryptoKey> {
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK({ ...jwk, alg }, alg);
  } catch (err) {
    throw new CryptoError('jwks_invalid', 'A JWKS key could not be imported', { details: { url, kid: truncate(kid), alg }, cause: err });
  }
  if (key instanceof Uint8Array) {
    throw new CryptoError('jwks_invalid', 'A JWKS key is symmetric', { details: { url, kid: truncate(kid), alg } });
  }
  return key;
}

/** Key type required by a JWS algorithm; undefined for symmetric, `none` or unknown. */
function kty(alg: string): 'RSA' | 'EC' | 'OKP' | undefined {
  if (/^(RS|PS)(256|384|512)$/.test(alg)) return 'RSA';
  if (/^ES(256|384|512)$/.test(alg)) return 'EC';
  if (alg === 'EdDSA' || alg === 'Ed25519') return 'OKP';
  return undefined;
}

function publicView(raw: Record<string, unknown>): JWK {
  const kind = raw.kty;
  if (kind === 'RSA' || kind === 'EC' || kind === 'OKP') return toPublicJwk(raw as JWK);
  // Unknown/symmetric types: show what they are, never their material.
  const out: Record<string, unknown> = {};
  for (const name of ['kty', 'kid', 'alg', 'use']) if (typeof raw[name] === 'string') out[name] = raw[name];
  return out as JWK;
}

function truncate(value: string): string {
  return value.length > 128 ? `${value.slice(0, 128)}…` : value;
}
