import { CompactEncrypt, compactDecrypt, type JWK } from 'jose';
import { CryptoError } from './errors.js';
import { deriveKey } from './master-secret.js';

const PURPOSE = 'tool-key-encryption';

/**
 * Encrypts a private JWK for storage at rest: compact JWE, `dir` + `A256GCM`, with a key
 * derived from the master secret. GCM authenticates the ciphertext, so tampering is
 * detected on decrypt rather than yielding a wrong key.
 */
export async function encryptPrivateJwk(jwk: JWK, secret: Uint8Array): Promise<string> {
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') {
    throw new TypeError('encryptPrivateJwk: jwk must be a JWK object');
  }
  const key = deriveKey(secret, PURPOSE);
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(jwk))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'jwk+json' }).encrypt(key);
}

/** Reverses encryptPrivateJwk. A wrong secret or altered ciphertext ⇒ `key_decrypt_failed`. */
export async function decryptPrivateJwk(ciphertext: string, secret: Uint8Array): Promise<JWK> {
  const key = deriveKey(secret, PURPOSE);
  let plaintext: Uint8Array;
  try {
    // Pin the algorithms: the header is attacker-influenced data until decryption succeeds.
    ({ plaintext } = await compactDecrypt(ciphertext, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    }));
  } catch (err) {
    throw new CryptoError(
      'key_decrypt_failed',
      'Could not decrypt a stored private key: TETHER_SECRET differs from the one the key was encrypted with, or the stored value is corrupt',
      { cause: err },
    );
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch (err) {
    throw new CryptoError('key_decrypt_failed', 'Decrypted private key is not valid JSON', { cause: err });
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || typeof (jwk as JWK).kty !== 'string') {
    throw new CryptoError('key_decrypt_failed', 'Decrypted private key is not a JWK');
  }
  return jwk as JWK;
}
