import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
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

  return {
    async sign({ purpose, data, ttlSec, now }) {
      if (typeof purpose !== 'string' || purpose === '') throw new TypeError('one-time token: purpose is required');
      if (!Number.isInteger(ttlSec) || ttlSec <= 0) throw new TypeError('one-time token: ttlSec must be a positive integer');
      const parsedData = dataSchema.safeParse(data);
      if (!parsedData.success) throw new TypeError('one-time token: data must map strings to strings');
      const iat = Math.floor((now ?? new Date()).getTime() / 1000);
      const exp = iat + ttlSec;
      const jti = randomUUID();
      const token = await new SignJWT({ purpose, data: parsedData.data })
        .setProtectedHeader({ alg: 'HS256', typ: TYP })
        .setIssuer(ISSUER)
        .setJti(jti)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
      return { token, jti, expiresAt: new Date(exp * 1000) };
    },

    async verify(token, { purpose, now }) {
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          typ: TYP,
          issuer: ISSUER,
          requiredClaims: ['exp', 'jti', 'purpose', 'data'],
          currentDate: now ?? new Date(),
          // Tokens are minted and checked by our own nodes: no skew allowance.
          clockTolerance: 0,
        }));
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) {
          throw new CryptoError('one_time_token_expired', 'This link has expired', { cause: err });
        }
        throw new CryptoError('one_time_token_invalid', 'This link is not valid', { cause: err });
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw new CryptoError('one_time_token_invalid', 'This link is not valid');
      if (claims.data.purpose !== purpose) {
        throw new CryptoError('one_time_token_purpose', 'This link was issued for something else', {
          details: { expected: purpose, actual: claims.data.purpose },
        });
      }
      return { jti: claims.data.jti, data: claims.data.data, expiresAt: new Date(claims.data.exp * 1000) };
    },
  };
}
