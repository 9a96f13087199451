import { type CryptoKey, decodeProtectedHeader, type JWTHeaderParameters, type JWTPayload, jwtVerify, type KeyObject } from 'jose';
import { CryptoError, fromJoseError } from './errors.js';

export type VerificationKey = CryptoKey | KeyObject | Uint8Array;

/** Resolves the verification key for a token header (e.g. createRemoteJwksResolver().getKey). */
export type JwtKeyResolver = (header: { kid?: string; alg: string }) => Promise<VerificationKey>;

export interface VerifyJwtOptions {
  /** Allowed JWS algorithms. Default `['RS256']`. `none` and `HS*` are always refused. */
  algorithms?: string[];
  issuer?: string;
  /** Accepted audience(s); the token's `aud` (string or array) must contain one of them. */
  audience?: string | string[];
  /** Allowed clock skew for exp/iat/nbf. Default 60, clamped to [0, 300]. */
  clockToleranceSec?: number;
  /** Maximum age from `iat`. Default 3600. */
  maxAgeSec?: number;
  /** Claims that must be present. `exp` and `iat` are always required. */
  requiredClaims?: string[];
  /** Require a `kid` header (default true): we only ever look keys up by kid. */
  requireKid?: boolean;
  /** Expected `typ` header, if any. */
  typ?: string;
  now?: () => Date;
}

export interface VerifiedJwt {
  payload: JWTPayload;
  protectedHeader: JWTHeaderParameters;
}

export const DEFAULT_CLOCK_TOLERANCE_SEC = 60;
export const MAX_CLOCK_TOLERANCE_SEC = 300;
export const DEFAULT_MAX_AGE_SEC = 3600;

/**
 * Verifies a compact JWS JWT with explicit, ordered checks; every failure is a CryptoError
 * with a stable code. Nothing from the token is trusted before the signature verifies,
 * except the header fields needed to pick a key (alg, kid), which are allow-listed first.
 */
export async function verifyJwt(token: string, getKey: JwtKeyResolver, opts: VerifyJwtOptions = {}): Promise<VerifiedJwt> {
  // 1. Shape: compact serialisation, three dot-separated parts.
  if (typeof token !== 'string') throw new CryptoError('jwt_malformed', 'JWT must be a string');
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '') {
    throw new CryptoError('jwt_malformed', 'JWT must be in compact form: three base64url parts separated by dots', {
      details: { parts: parts.length },
    });
  }

  // 2. Header decodes (unverified — used only to select the key).
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    throw new CryptoError('jwt_malformed', 'JWT header is not valid base64url JSON', { cause: err });
  }

  // 3. Algorithm: present, and in the allow-list. `none` and HMAC are refused whatever the
  //    caller lists: with HS* an attacker could sign with our *public* key as the secret.
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') {
    throw new CryptoError('jwt_malformed', 'JWT header has no "alg"');
  }
  const allowed = (opts.algorithms ?? ['RS256']).filter(isAsymmetricAlg);
  if (!isAsymmetricAlg(alg) || !allowed.includes(alg)) {
    throw new CryptoError('alg_not_allowed', `JWT algorithm "${alg}" is not allowed`, {
      details: { alg: truncate(alg), allowed },
    });
  }

  // 4. Key id.
  const kid = header.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) {
    throw new CryptoError('jwt_malformed', 'JWT header "kid" must be a non-empty string');
  }
  if (kid === undefined && (opts.requireKid ?? true)) {
    throw new CryptoError('kid_missing', 'JWT header has no "kid"', { details: { alg } });
  }

  // 5. Key lookup. Resolver errors stay CryptoErrors (kid_not_found, jwks_timeout, …).
  let key: VerificationKey;
  try {
    key = await getKey(kid === undefined ? { alg } : { kid, alg });
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('key_lookup_failed', 'Could not resolve the verification key', {
      details: { kid: kid === undefined ? undefined : truncate(kid), alg },
      cause: err,
    });
  }

  // 6. Signature and registered claims.
  const tolerance = clamp(opts.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC, 0, MAX_CLOCK_TOLERANCE_SEC);
  const maxAge = opts.maxAgeSec ?? DEFAULT_MAX_AGE_SEC;
  if (!Number.isFinite(maxAge) || maxAge <= 0) throw new TypeError('verifyJwt: maxAgeSec must be a positive number');
  const now = (opts.now ?? (() => new Date()))();
  const details = { kid: kid === undefined ? undefined : truncate(kid), alg };

  let result: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    result = await jwtVerify(token, key, {
      algorithms: [alg],
      clockTolerance: tolerance,
      maxTokenAge: maxAge,
      currentDate: now,
      requiredClaims: [...new Set(['exp', 'iat', ...(opts.requiredClaims ?? [])])],
      ...(opts.issuer !== undefined && { issuer: opts.issuer }),
      ...(opts.audience !== undefined && { audience: opts.audience }),
      ...(opts.typ !== undefined && { typ: opts.typ }),
    });
  } catch (err) {
    throw fromJoseError(err, details);
  }

  // 7. iat not in the future. jose checks this only as part of maxTokenAge; state it here so
  //    the rule does not depend on another option staying set.
  const iat = result.payload.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw new CryptoError('claim_invalid', 'JWT "iat" claim must be a number', { details: { ...details, claim: 'iat' } });
  }
  if (iat > Math.floor(now.getTime() / 1000) + tolerance) {
    throw new CryptoError('iat_in_future', 'JWT "iat" claim is in the future beyond the allowed clock skew', {
      details: { ...details, claim: 'iat' },
    });
  }

  return { payload: result.payload, protectedHeader: result.protectedHeader };
}

function isAsymmetricAlg(alg: string): boolean {
  return alg !== 'none' && !alg.toUpperCase().startsWith('HS');
}

function clamp(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(Math.max(value, min), max);
}

// Header values are attacker-controlled: keep what goes into logs short.
function truncate(value: string): string {
  return value.length > 128 ? `${value.slice(0, 128)}…` : value;
}
