import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface GeneratedToolKey {
  /** RFC 7638 SHA-256 thumbprint of the public key: stable, derived, collision-free. */
  kid: string;
  /** Only `kty, n, e, kid, alg, use` — safe to publish. */
  publicJwk: JWK;
  /** Full private JWK (with `d`, primes, CRT values). Encrypt before storing. */
  privateJwk: JWK;
}

/** Generates a fresh RS256 (RSA 2048) signing key for the tool. */
export async function generateToolKey(): Promise<GeneratedToolKey> {
  // extractable: the private key must be exported once so it can be encrypted at rest.
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const exportedPublic = await exportJWK(publicKey);
  const exportedPrivate = await exportJWK(privateKey);
  if (typeof exportedPublic.n !== 'string' || typeof exportedPublic.e !== 'string') {
    throw new TypeError('generateToolKey: exported public key is not an RSA JWK');
  }
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: exportedPublic.n, e: exportedPublic.e }, 'sha256');
  // Build the public JWK by allow-list so nothing private can ride along.
  const publicJwk: JWK = { kty: 'RSA', n: exportedPublic.n, e: exportedPublic.e, kid, alg: 'RS256', use: 'sig' };
  const privateJwk: JWK = { ...exportedPrivate, kid, alg: 'RS256', use: 'sig' };
  return { kid, publicJwk, privateJwk };
}
