import { randomUUID } from 'node:crypto';
import { type CryptoKey, type JWTPayload, type KeyObject, SignJWT } from 'jose';

export interface SignJwtOptions {
  key: CryptoKey | KeyObject | Uint8Array;
  /** Always written to the header: verifiers look keys up by kid. */
  kid: string;
  alg?: string;
  typ?: string;
  /** Lifetime in whole seconds. */
  expiresInSec: number;
  /** Defaults to now. */
  issuedAt?: Date;
  /** Add a random UUID `jti`. */
  jti?: boolean;
}

/**
 * Signs a JWT. `iat` and `exp` are whole seconds (some platforms, Blackboard among them,
 * reject fractional NumericDates); values for them in `payload` are overridden.
 */
export async function signJwt(payload: JWTPayload, opts: SignJwtOptions): Promise<string> {
  const alg = opts.alg ?? 'RS256';
  if (alg === 'none') throw new TypeError('signJwt: alg "none" is not allowed');
  if (typeof opts.kid !== 'string' || opts.kid === '') throw new TypeError('signJwt: kid is required');
  if (!Number.isInteger(opts.expiresInSec) || opts.expiresInSec <= 0) {
    throw new TypeError('signJwt: expiresInSec must be a positive integer');
  }
  const issuedAtMs = (opts.issuedAt ?? new Date()).getTime();
  if (!Number.isFinite(issuedAtMs)) throw new TypeError('signJwt: issuedAt is not a valid date');
  const iat = Math.floor(issuedAtMs / 1000);

  const jwt = new SignJWT({ ...payload })
    .setProtectedHeader({ alg, kid: opts.kid, ...(opts.typ !== undefined && { typ: opts.typ }) })
    .setIssuedAt(iat)
    .setExpirationTime(iat + opts.expiresInSec);
  if (opts.jti === true) jwt.setJti(randomUUID());
  return jwt.sign(opts.key);
}
