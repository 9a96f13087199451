import type { JWK } from 'jose';

// Public members per key type (RFC 7518 §6). Anything else — d, p, q, dp, dq, qi, oth, k —
// is private or unknown and never leaves through a JWKS.
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};
const METADATA_MEMBERS = ['kid', 'alg', 'use'] as const;

/**
 * Projects a JWK onto its public members by allow-list. Throws for symmetric (`oct`) or
 * unknown key types: those have no public half to publish.
 */
export function toPublicJwk(jwk: JWK): JWK {
  const members = typeof jwk.kty === 'string' ? PUBLIC_MEMBERS[jwk.kty] : undefined;
  if (members === undefined) throw new TypeError(`toPublicJwk: key type ${String(jwk.kty)} has no public form`);
  const out: Record<string, unknown> = {};
  for (const name of [...members, ...METADATA_MEMBERS]) {
    const value = (jwk as Record<string, unknown>)[name];
    if (value !== undefined) out[name] = value;
  }
  return out as JWK;
}
