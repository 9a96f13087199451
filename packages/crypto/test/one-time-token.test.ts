import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createOneTimeTokens, deriveKey } from '../src/index.js';
import { OTHER_SECRET, rejection, SECRET } from './helpers/fixtures.js';

const NOW = new Date('2025-05-01T08:00:00.000Z');
const ott = createOneTimeTokens(SECRET);

describe('one-time tokens', () => {
  it('signs and verifies: data, jti and expiry round-trip', async () => {
    const signed = await ott.sign({ purpose: 'dynamic-registration', data: { workspaceId: 'ws_1' }, ttlSec: 3600, now: NOW });
    expect(signed.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(signed.expiresAt).toEqual(new Date(NOW.getTime() + 3_600_000));
    expect(decodeProtectedHeader(signed.token)).toEqual({ alg: 'HS256', typ: 'tether-ott+jwt' });
    expect(Number.isInteger(decodeJwt(signed.token).iat)).toBe(true);

    const verified = await ott.verify(signed.token, { purpose: 'dynamic-registration', now: new Date(NOW.getTime() + 3_599_000) });
    expect(verified).toEqual({ jti: signed.jti, data: { workspaceId: 'ws_1' }, expiresAt: signed.expiresAt });
  });

  it('gives every token its own jti', async () => {
    const a = await ott.sign({ purpose: 'p', data: {}, ttlSec: 60 });
    const b = await ott.sign({ purpose: 'p', data: {}, ttlSec: 60 });
    expect(a.jti).not.toBe(b.jti);
  });

  it('rejects an expired token', async () => {
    const { token, expiresAt } = await ott.sign({ purpose: 'p', data: {}, ttlSec: 60, now: NOW });
    const err = await rejection(ott.verify(token, { purpose: 'p', now: expiresAt }));
    expect(err.code).toBe('one_time_token_expired');
  });

  it('rejects a tampered token', async () => {
    const { token } = await ott.sign({ purpose: 'p', data: { workspaceId: 'ws_1' }, ttlSec: 60, now: NOW });
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, data: { workspaceId: 'ws_2' } })).toString('base64url');
    expect((await rejection(ott.verify(`${h}.${forged}.${s}`, { purpose: 'p', now: NOW }))).code).toBe('one_time_token_invalid');

    const flipped = s!.startsWith('A') ? `B${s!.slice(1)}` : `A${s!.slice(1)}`;
    expect((await rejection(ott.verify(`${h}.${p}.${flipped}`, { purpose: 'p', now: NOW }))).code).toBe('one_time_token_invalid');
    expect((await rejection(ott.verify('garbage', { purpose: 'p', now: NOW }))).code).toBe('one_time_token_invalid');
  });

  it('rejects a token signed under another master secret', async () => {
    const { token } = await createOneTimeTokens(OTHER_SECRET).sign({ purpose: 'p', data: {}, ttlSec: 60, now: NOW });
    expect((await rejection(ott.verify(token, { purpose: 'p', now: NOW }))).code).toBe('one_time_token_invalid');
  });

  it('rejects alg none and a JWT of another type signed with the same key', async () => {
    const unsigned = new UnsecuredJWT({ iss: 'tether', purpose: 'p', data: {}, jti: 'x' }).setExpirationTime('1h').encode();
    expect((await rejection(ott.verify(unsigned, { purpose: 'p' }))).code).toBe('one_time_token_invalid');

    const key = deriveKey(SECRET, 'one-time-token');
    const otherTyp = await new SignJWT({ iss: 'tether', purpose: 'p', data: {}, jti: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    expect((await rejection(ott.verify(otherTyp, { purpose: 'p' }))).code).toBe('one_time_token_invalid');
  });

  it('is a standard compact HS256 JWS: jose verifies ours, and we verify one jose signed with the same key and type', async () => {
    const key = deriveKey(SECRET, 'one-time-token');
    const { token } = await ott.sign({ purpose: 'p', data: { a: 'b' }, ttlSec: 60 });
    const { payload, protectedHeader } = await jwtVerify(token, key, { algorithms: ['HS256'], typ: 'tether-ott+jwt', issuer: 'tether' });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'tether-ott+jwt' });
    expect(payload).toMatchObject({ purpose: 'p', data: { a: 'b' } });

    const theirs = await new SignJWT({ purpose: 'p', data: { c: 'd' } })
      .setProtectedHeader({ alg: 'HS256', typ: 'tether-ott+jwt' })
      .setIssuer('tether')
      .setJti('j-1')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    expect(await ott.verify(theirs, { purpose: 'p' })).toMatchObject({ jti: 'j-1', data: { c: 'd' } });
  });

  it('rejects a token issued for another purpose', async () => {
    const { token } = await ott.sign({ purpose: 'dynamic-registration', data: {}, ttlSec: 60, now: NOW });
    const err = await rejection(ott.verify(token, { purpose: 'password-reset', now: NOW }));
    expect(err.code).toBe('one_time_token_purpose');
    expect(err.details).toMatchObject({ expected: 'password-reset', actual: 'dynamic-registration' });
  });
});
