import { decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { decryptPrivateJwk, encryptPrivateJwk, type GeneratedToolKey, generateToolKey } from '../src/index.js';
import { OTHER_SECRET, rejection, SECRET } from './helpers/fixtures.js';

let key: GeneratedToolKey;
beforeAll(async () => {
  key = await generateToolKey();
});

describe('private key encryption', () => {
  it('round-trips a private JWK', async () => {
    const ciphertext = await encryptPrivateJwk(key.privateJwk, SECRET);
    expect(await decryptPrivateJwk(ciphertext, SECRET)).toEqual(key.privateJwk);
  });

  it('produces a dir/A256GCM compact JWE that hides the private members', async () => {
    const ciphertext = await encryptPrivateJwk(key.privateJwk, SECRET);
    expect(ciphertext.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(ciphertext)).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
    expect(typeof key.privateJwk.d).toBe('string');
    expect(ciphertext).not.toContain(key.privateJwk.d);
    expect(ciphertext).not.toContain(key.privateJwk.p);
    expect(() => JSON.parse(ciphertext)).toThrow();
  });

  it('encrypts with a fresh IV each time', async () => {
    const a = await encryptPrivateJwk(key.privateJwk, SECRET);
    const b = await encryptPrivateJwk(key.privateJwk, SECRET);
    expect(a).not.toBe(b);
  });

  it('fails with key_decrypt_failed under the wrong secret', async () => {
    const ciphertext = await encryptPrivateJwk(key.privateJwk, SECRET);
    const err = await rejection(decryptPrivateJwk(ciphertext, OTHER_SECRET));
    expect(err.code).toBe('key_decrypt_failed');
    expect(err.message).toContain('TETHER_SECRET');
  });

  it('fails with key_decrypt_failed when the ciphertext was altered', async () => {
    const parts = (await encryptPrivateJwk(key.privateJwk, SECRET)).split('.');
    const ct = parts[3]!;
    parts[3] = (ct[0] === 'A' ? 'B' : 'A') + ct.slice(1);
    expect((await rejection(decryptPrivateJwk(parts.join('.'), SECRET))).code).toBe('key_decrypt_failed');
    expect((await rejection(decryptPrivateJwk('not-a-jwe', SECRET))).code).toBe('key_decrypt_failed');
  });
});
