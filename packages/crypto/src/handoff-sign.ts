import type { CryptoKey, KeyObject } from 'jose';
import { HANDOFF_ALGORITHMS, HANDOFF_TOKEN_TTL_SEC, HANDOFF_TOKEN_TYPE, type HandoffContext, invalidContextClaims, toHandoffClaims } from './handoff-claims.js';
import { signJwt } from './jwt-sign.js';

export interface SignHandoffOptions {
  /** The tool's current signing key (the one its JWKS publishes under `kid`). */
  key: CryptoKey | KeyObject;
  kid: string;
  /** `RS256` (default) or `ES256`. */
  alg?: string;
  /** The runtime's PUBLIC_URL. */
  issuer: string;
  /** The scenario player's origin. */
  audience: string;
  /** Whole seconds, 1 to HANDOFF_TOKEN_TTL_SEC (default): verifiers refuse older tokens. */
  ttlSec?: number;
  /** Defaults to now. */
  now?: Date;
}

/**
 * Signs a hand-off token: the launch context for the host's scenario player, short-lived and
 * single use (random `jti`). See handoff-claims.ts for the claims. A context a verifier would
 * refuse (an empty id, a non-boolean canSendGrade…) is a TypeError here, not a token the
 * learner carries to a refusal.
 */
export async function signHandoffToken(ctx: HandoffContext, opts: SignHandoffOptions): Promise<string> {
  const alg = opts.alg ?? 'RS256';
  // Verifiers accept these only: any other alg would make a token nobody can use.
  if (!(HANDOFF_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new TypeError(`signHandoffToken: alg must be one of ${HANDOFF_ALGORITHMS.join(', ')}`);
  }
  if (typeof opts.issuer !== 'string' || opts.issuer === '') throw new TypeError('signHandoffToken: issuer is required');
  if (typeof opts.audience !== 'string' || opts.audience === '') throw new TypeError('signHandoffToken: audience is required');
  const ttlSec = opts.ttlSec ?? HANDOFF_TOKEN_TTL_SEC;
  if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > HANDOFF_TOKEN_TTL_SEC) {
    throw new TypeError(`signHandoffToken: ttlSec must be a whole number of seconds from 1 to ${HANDOFF_TOKEN_TTL_SEC}`);
  }

  const claims = toHandoffClaims(ctx);
  const invalid = invalidContextClaims(claims);
  // Paths only: the values may be personal data and this message may reach a log.
  if (invalid.length > 0) throw new TypeError(`signHandoffToken: invalid context (${invalid.join(', ')})`);

  return signJwt(
    { ...claims, iss: opts.issuer, aud: opts.audience },
    { key: opts.key, kid: opts.kid, alg, typ: HANDOFF_TOKEN_TYPE, expiresInSec: ttlSec, jti: true, ...(opts.now === undefined ? {} : { issuedAt: opts.now }) },
  );
}
