import { type CryptoKey, type KeyObject, signJwt } from '@tether/crypto';
import { CLAIM } from '../claims.js';

/** `client_assertion_type` of the client-credentials grant with a signed JWT. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Lifetime of a client assertion. Platforms (and the sim) refuse more than 5 minutes. */
export const CLIENT_ASSERTION_LIFETIME_SEC = 300;

export interface ClientAssertionInput {
  clientId: string;
  /** Token URL, or the platform's declared authorization-server identifier (D2L). */
  audience: string;
  deploymentId?: string;
  kid: string;
  key: CryptoKey | KeyObject;
  /** Milliseconds since the epoch. Default Date.now(). */
  now?: number;
}

/**
 * Signs the `private_key_jwt` client assertion for the client-credentials grant:
 * RS256 with `kid`, `iss` = `sub` = client_id, `aud`, whole-second `iat`/`exp` (Blackboard
 * answers "iat missing" to fractional ones), and a random `jti` (platforms refuse replays).
 */
export function createClientAssertion(input: ClientAssertionInput): Promise<string> {
  const payload: Record<string, unknown> = { iss: input.clientId, sub: input.clientId, aud: input.audience };
  if (input.deploymentId !== undefined) payload[CLAIM.deploymentId] = input.deploymentId;
  return signJwt(payload, {
    key: input.key,
    kid: input.kid,
    alg: 'RS256',
    expiresInSec: CLIENT_ASSERTION_LIFETIME_SEC,
    issuedAt: new Date(input.now ?? Date.now()),
    jti: true,
  });
}
