import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CryptoError } from './errors.js';
import { deriveKey } from './master-secret.js';

const TYP = 'tether-ott+jwt';
const ISSUER = 'tether';

export interface OneTimeTokenSignInput {
  /** What the token is for (e.g. 'dynamic-registration'); a token for one purpose never verifies for another. */
  purpose: string;
  /** Small string map carried in the token (signed, NOT encrypted — no secrets in here). */
  data: Record<string, string>;
  ttlSec: number;
  now?: Date;
}

export interface SignedOneTimeToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export interface VerifiedOneTimeToken {
  jti: string;
  data: Record<string, string>;
  expiresAt: Date;
}

export interface OneTimeTokens {
  sign(input: OneTimeTokenSignInput): Promise<SignedOneTimeToken>;
  verify(token: string, opts: { purpose: string; now?: Date }): Promise<VerifiedOneTimeToken>;
}

const dataSchema = z.record(z.string(), z.string());
const claimsSchema = z.object({
  iss: z.literal(ISSUER),
  purpose: z.string(),
  data: dataSchema,
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
});

/**
 * Signed, expiring tokens for URLs we hand out (e.g. a dynamic-registration link valid
 * one hour). HS256 with a key derived from the master secret, so any node can verify.
 *
 * "One-time" is NOT enforced here: a signature cannot be un-issued. The caller must record
 * `jti` when the token is redeemed (e.g. INSERT into a table with `jti` as primary key,
 * kept until `expiresAt`) and refuse a jti it has already seen.
 */
export function createOneTimeTokens(secret: Uint8Array): OneTimeTokens {
  const key = deriveKey(secret, 'one-time-token');
  // Signed on every launch's landing and checked on every learner request: a synchronous HMAC
  // (node:crypto, a few µs) instead of jose's WebCrypto job (~0.2 ms of this thread each).
  // The tokens are standard compact HS256 JWS, so jose (or any JWT library) verifies them too.
  const mac = (input: string) => createHmac('sha256', key).update(input).digest();
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: TYP })).toString('base64url');

  return {
    async sign({ purpose, data, ttlSec, now }) {
      if (typeof purpose !== 'string' || purpose === '') throw new TypeError('one-time token: purpose is required');
      if (!Number.isInteger(ttlSec) || ttlSec <= 0) throw new TypeError('one-time token: ttlSec must be a positive integer');
      const parsedData = dataSchema.safeParse(data);
      if (!parsedData.success) throw new TypeError('one-time token: data must map strings to strings');
      const iat = Math.floor((now ?? new Date()).getTime() / 1000);
      const exp = iat + ttlSec;
      const jti = randomUUID();
      const payload = Buffer.from(JSON.stringify({ purpose, data: parsedData.data, iss: ISSUER, jti, iat, exp })).toString('base64url');
      const signingInput = `${header}.${payload}`;
      return { token: `${signingInput}.${mac(signingInput).toString('base64url')}`, jti, expiresAt: new Date(exp * 1000) };
    },

    async verify(token, { purpose, now }) {
      const claims = verifiedClaims(token, mac, now ?? new Date());
      if (claims.purpose !== purpose) {
        throw new CryptoError('one_time_token_purpose', 'This link was issued for something else', {
          details: { expected: purpose, actual: claims.purpose },
        });
      }
      return { jti: claims.jti, data: claims.data, expiresAt: new Date(claims.exp * 1000) };
    },
  };
}

const headerSchema = z.object({ alg: z.literal('HS256'), typ: z.literal(TYP) }).strict();
const B64URL = /^[A-Za-z0-9_-]+$/;

const invalid = () => new CryptoError('one_time_token_invalid', 'This link is not valid');

/** The claims of a token this key signed, of our type, not expired (no skew: our own nodes mint and check). */
function verifiedClaims(token: string, mac: (input: string) => Buffer, now: Date): z.infer<typeof claimsSchema> {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) throw invalid();
  const [h, p, s] = parts as [string, string, string];
  const expected = mac(`${h}.${p}`);
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  const json = (part: string): unknown => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
  };
  if (!headerSchema.safeParse(json(h)).success) throw invalid();
  const claims = claimsSchema.safeParse(json(p));
  if (!claims.success) throw invalid();
  if (claims.data.exp <= Math.floor(now.getTime() / 1000)) throw new CryptoError('one_time_token_expired', 'This link has expired');
  return claims.data;
}
