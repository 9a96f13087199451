import { type CryptoKey, decodeJwt, decodeProtectedHeader, exportSPKI, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CryptoError, generateToolKey, type JwtKeyResolver, signJwt, type VerifyJwtOptions, verifyJwt } from '../src/index.js';
import { rejection } from './helpers/fixtures.js';

const NOW = new Date('2025-03-01T12:00:00.000Z');
const NOW_SEC = Math.floor(NOW.getTime() / 1000);
const ISS = 'https://lms.example.edu';
const AUD = 'client-123';

let kid: string;
let privateKey: CryptoKey;
let publicKey: CryptoKey;
let otherPrivateKey: CryptoKey;
let resolver: JwtKeyResolver;

beforeAll(async () => {
  const [k, other] = await Promise.all([generateToolKey(), generateToolKey()]);
  kid = k.kid;
  privateKey = (await importJWK(k.privateJwk, 'RS256')) as CryptoKey;
  publicKey = (await importJWK(k.publicJwk, 'RS256')) as CryptoKey;
  otherPrivateKey = (await importJWK(other.privateJwk, 'RS256')) as CryptoKey;
  resolver = async ({ kid: requested }) => {
    if (requested !== kid) throw new CryptoError('kid_not_found', 'unknown kid', { details: { kid: requested } });
    return publicKey;
  };
});

const opts = (extra: VerifyJwtOptions = {}): VerifyJwtOptions => ({ issuer: ISS, audience: AUD, now: () => NOW, ...extra });

function sign(claims: Record<string, unknown>, { iatOffset = 0, ttl = 300, key = privateKey } = {}) {
  return signJwt({ iss: ISS, aud: AUD, sub: 'user-1', ...claims }, { key, kid, expiresInSec: ttl, issuedAt: new Date(NOW.getTime() + iatOffset * 1000) });
}

describe('signJwt', () => {
  it('writes integer iat/exp and the kid header', async () => {
    const token = await signJwt({ sub: 'a', iat: 1.5, exp: 2.5 }, { key: privateKey, kid, expiresInSec: 120, issuedAt: new Date(1_700_000_000_789), typ: 'JWT', jti: true });
    const payload = decodeJwt(token);
    expect(payload.iat).toBe(1_700_000_000);
    expect(payload.exp).toBe(1_700_000_120);
    expect(Number.isInteger(payload.iat)).toBe(true);
    expect(Number.isInteger(payload.exp)).toBe(true);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    // The raw JSON has no fraction either.
    const raw = Buffer.from(token.split('.')[1]!, 'base64url').toString();
    expect(raw).not.toMatch(/"(iat|exp)":\d+\./);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid, typ: 'JWT' });
  });

  it('rejects a non-integer lifetime and alg none', async () => {
    await expect(signJwt({}, { key: privateKey, kid, expiresInSec: 1.5 })).rejects.toThrow(TypeError);
    await expect(signJwt({}, { key: privateKey, kid, expiresInSec: 60, alg: 'none' })).rejects.toThrow(TypeError);
  });
});

describe('verifyJwt', () => {
  it('round-trips sign → verify', async () => {
    const token = await sign({ nonce: 'n-1' });
    const { payload, protectedHeader } = await verifyJwt(token, resolver, opts());
    expect(payload).toMatchObject({ iss: ISS, aud: AUD, sub: 'user-1', nonce: 'n-1', iat: NOW_SEC, exp: NOW_SEC + 300 });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid });
  });

  it('passes the kid and alg to the key resolver', async () => {
    const getKey = vi.fn(resolver);
    await verifyJwt(await sign({}), getKey, opts());
    expect(getKey).toHaveBeenCalledWith({ kid, alg: 'RS256' });
  });

  it.each([
    ['not a jwt', 'abc'],
    ['two parts', 'a.b'],
    ['four parts', 'a.b.c.d'],
    ['empty header', '.b.c'],
    ['header not json', `${Buffer.from('nope').toString('base64url')}.e30.sig`],
  ])('rejects a malformed token (%s) as jwt_malformed', async (_name, token) => {
    const getKey = vi.fn(resolver);
    expect((await rejection(verifyJwt(token, getKey, opts()))).code).toBe('jwt_malformed');
    expect(getKey).not.toHaveBeenCalled();
  });

  it('rejects alg none without looking up a key', async () => {
    const token = new UnsecuredJWT({ iss: ISS, aud: AUD, sub: 'x' })
      .setIssuedAt(NOW_SEC)
      .setExpirationTime(NOW_SEC + 60)
      .encode();
    const getKey = vi.fn(resolver);
    const err = await rejection(verifyJwt(token, getKey, opts({ algorithms: ['RS256', 'none'] })));
    expect(err.code).toBe('alg_not_allowed');
    expect(err.details).toMatchObject({ alg: 'none' });
    expect(getKey).not.toHaveBeenCalled();
  });

  it('rejects HS256 signed with the public key as the HMAC secret, even if the caller allows HS256', async () => {
    const publicPem = new TextEncoder().encode(await exportSPKI(publicKey));
    const token = await new SignJWT({ iss: ISS, aud: AUD, sub: 'attacker' })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setIssuedAt(NOW_SEC)
      .setExpirationTime(NOW_SEC + 60)
      .sign(publicPem);
    const getKey = vi.fn(async () => publicPem);
    const err = await rejection(verifyJwt(token, getKey, opts({ algorithms: ['RS256', 'HS256'] })));
    expect(err.code).toBe('alg_not_allowed');
    expect(getKey).not.toHaveBeenCalled();
  });

  it('rejects an algorithm outside the allow-list', async () => {
    const err = await rejection(verifyJwt(await sign({}), resolver, opts({ algorithms: ['ES256'] })));
    expect(err.code).toBe('alg_not_allowed');
  });

  it('rejects a token without kid', async () => {
    const token = await new SignJWT({ iss: ISS, aud: AUD })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuedAt(NOW_SEC)
      .setExpirationTime(NOW_SEC + 60)
      .sign(privateKey);
    const getKey = vi.fn(resolver);
    expect((await rejection(verifyJwt(token, getKey, opts()))).code).toBe('kid_missing');
    expect(getKey).not.toHaveBeenCalled();
  });

  it('propagates key lookup CryptoErrors and wraps others', async () => {
    const token = await sign({});
    const notFound = async () => {
      throw new CryptoError('kid_not_found', 'nope');
    };
    expect((await rejection(verifyJwt(token, notFound, opts()))).code).toBe('kid_not_found');
    const broken = async () => {
      throw new Error('db down');
    };
    expect((await rejection(verifyJwt(token, broken, opts()))).code).toBe('key_lookup_failed');
  });

  it('rejects a signature made by another key as bad_signature', async () => {
    const err = await rejection(verifyJwt(await sign({}, { key: otherPrivateKey }), resolver, opts()));
    expect(err.code).toBe('bad_signature');
    expect(err.details).toMatchObject({ kid, alg: 'RS256' });
  });

  it('rejects a tampered payload as bad_signature', async () => {
    const [h, , s] = (await sign({ sub: 'user-1' })).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: ISS, aud: AUD, sub: 'admin', iat: NOW_SEC, exp: NOW_SEC + 60 })).toString('base64url');
    expect((await rejection(verifyJwt(`${h}.${forged}.${s}`, resolver, opts()))).code).toBe('bad_signature');
  });

  it('rejects an expired token beyond the clock tolerance, accepts within it', async () => {
    const expired = await sign({}, { iatOffset: -200, ttl: 100 }); // exp 100 s ago
    const err = await rejection(verifyJwt(expired, resolver, opts()));
    expect(err.code).toBe('token_expired');
    expect(err.message).not.toContain(expired);

    const justExpired = await sign({}, { iatOffset: -130, ttl: 100 }); // exp 30 s ago
    await expect(verifyJwt(justExpired, resolver, opts())).resolves.toBeTruthy();
  });

  it('rejects iat in the future beyond the tolerance, accepts small skew', async () => {
    expect((await rejection(verifyJwt(await sign({}, { iatOffset: 120 }), resolver, opts()))).code).toBe('iat_in_future');
    await expect(verifyJwt(await sign({}, { iatOffset: 30 }), resolver, opts())).resolves.toBeTruthy();
  });

  it('checks future iat even with a generous maximum age', async () => {
    const future = await sign({}, { iatOffset: 600 });
    expect((await rejection(verifyJwt(future, resolver, opts({ maxAgeSec: 86_400 })))).code).toBe('iat_in_future');
  });

  it('rejects a token older than maxAgeSec even if exp is far away', async () => {
    const old = await sign({}, { iatOffset: -7200, ttl: 86_400 });
    expect((await rejection(verifyJwt(old, resolver, opts()))).code).toBe('token_too_old');
    await expect(verifyJwt(old, resolver, opts({ maxAgeSec: 10_000 }))).resolves.toBeTruthy();
  });

  it('clamps the clock tolerance to 300 s', async () => {
    const expired = await sign({}, { iatOffset: -500, ttl: 100 }); // exp 400 s ago
    expect((await rejection(verifyJwt(expired, resolver, opts({ clockToleranceSec: 10_000 })))).code).toBe('token_expired');
    const recent = await sign({}, { iatOffset: -300, ttl: 100 }); // exp 200 s ago
    await expect(verifyJwt(recent, resolver, opts({ clockToleranceSec: 10_000 }))).resolves.toBeTruthy();
  });

  it('rejects the wrong issuer as iss_mismatch', async () => {
    const err = await rejection(verifyJwt(await sign({ iss: 'https://evil.example' }), resolver, opts()));
    expect(err.code).toBe('iss_mismatch');
    expect(err.details).toMatchObject({ claim: 'iss' });
  });

  it('rejects the wrong audience as aud_mismatch', async () => {
    expect((await rejection(verifyJwt(await sign({ aud: 'someone-else' }), resolver, opts()))).code).toBe('aud_mismatch');
    expect((await rejection(verifyJwt(await sign({ aud: ['a', 'b'] }), resolver, opts()))).code).toBe('aud_mismatch');
  });

  it('accepts aud as an array containing the expected audience, and an audience list', async () => {
    const token = await sign({ aud: ['https://other', AUD] });
    expect((await verifyJwt(token, resolver, opts())).payload.aud).toEqual(['https://other', AUD]);
    await expect(verifyJwt(await sign({}), resolver, opts({ audience: ['x', AUD] }))).resolves.toBeTruthy();
  });

  it('reports other claim failures as claim_invalid with the claim name', async () => {
    const missingNonce = await rejection(verifyJwt(await sign({}), resolver, opts({ requiredClaims: ['nonce'] })));
    expect(missingNonce.code).toBe('claim_invalid');
    expect(missingNonce.details).toMatchObject({ claim: 'nonce', reason: 'missing' });

    const notYet = await rejection(verifyJwt(await sign({ nbf: NOW_SEC + 600 }), resolver, opts()));
    expect(notYet.code).toBe('claim_invalid');
    expect(notYet.details).toMatchObject({ claim: 'nbf' });
  });

  it('requires exp', async () => {
    const token = await new SignJWT({ iss: ISS, aud: AUD }).setProtectedHeader({ alg: 'RS256', kid }).setIssuedAt(NOW_SEC).sign(privateKey);
    const err = await rejection(verifyJwt(token, resolver, opts()));
    expect(err.code).toBe('claim_invalid');
    expect(err.details).toMatchObject({ claim: 'exp', reason: 'missing' });
  });
});
