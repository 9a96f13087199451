import { base64url, type CryptoKey, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHandoffVerifier,
  createMemoryReplayStore,
  type GeneratedToolKey,
  generateToolKey,
  HANDOFF_TOKEN_TTL_SEC,
  HANDOFF_TOKEN_TYPE,
  type HandoffContext,
  type HandoffVerifierOptions,
  type SignHandoffOptions,
  signHandoffToken,
  signJwt,
} from '../src/index.js';
import { rejection } from './helpers/fixtures.js';
import { sendJson, startServer, type TestServer } from './helpers/http-server.js';

const ISSUER = 'http://localhost:3001';
const AUDIENCE = 'https://player.example';

const CONTEXT: HandoffContext = {
  learner: { id: 'member-1', name: 'Ada Lovelace', email: 'ada@example.edu' },
  workspace: { id: 'ws-1' },
  scenario: { id: 'sc-1', slug: 'fire-drill' },
  launch: { id: 'launch-1', correlationId: 'cid-1' },
  roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
  course: { id: 'course-7', title: 'Safety 101' },
  canSendGrade: true,
};

let rsa: GeneratedToolKey;
let rsaKey: CryptoKey;
let stranger: GeneratedToolKey;
let strangerKey: CryptoKey;
let ec: { kid: string; privateKey: CryptoKey; publicJwk: JWK };
let server: TestServer;
let jwksUrl: string;

beforeAll(async () => {
  [rsa, stranger] = await Promise.all([generateToolKey(), generateToolKey()]);
  rsaKey = (await importJWK(rsa.privateJwk, 'RS256')) as CryptoKey;
  strangerKey = (await importJWK(stranger.privateJwk, 'RS256')) as CryptoKey;
  const pair = await generateKeyPair('ES256', { extractable: true });
  ec = { kid: 'ec-1', privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' } };
  // Tether's JWKS: the RSA tool key and an EC key; `stranger` is not published.
  server = await startServer((_req, res) => sendJson(res, { keys: [rsa.publicJwk, ec.publicJwk] }));
  jwksUrl = `${server.origin}/.well-known/jwks.json`;
});
afterAll(async () => server?.close());

const sign = (ctx: HandoffContext = CONTEXT, extra: Partial<SignHandoffOptions> = {}) =>
  signHandoffToken(ctx, { key: rsaKey, kid: rsa.kid, issuer: ISSUER, audience: AUDIENCE, ...extra });

const verifier = (extra: Partial<HandoffVerifierOptions> = {}) =>
  createHandoffVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, allowInsecureHosts: ['127.0.0.1'], ...extra });

/** A JWT signed by the tool key like a hand-off token, with the claims and header the test wants. */
async function forge(payload: Record<string, unknown>, header: { typ?: string } = { typ: HANDOFF_TOKEN_TYPE }, ttl = 300) {
  return signJwt({ iss: ISSUER, aud: AUDIENCE, ...payload }, { key: rsaKey, kid: rsa.kid, expiresInSec: ttl, jti: true, ...header });
}

const WIRE = {
  sub: 'member-1',
  name: 'Ada Lovelace',
  email: 'ada@example.edu',
  tether: {
    workspace: { id: 'ws-1' },
    scenario: { id: 'sc-1', slug: 'fire-drill' },
    launch: { id: 'launch-1', correlation_id: 'cid-1' },
    roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
    course: { id: 'course-7', title: 'Safety 101' },
    can_send_grade: true,
  },
};

describe('signHandoffToken', () => {
  it('writes the documented wire layout', async () => {
    const now = new Date('2026-01-10T10:00:00.500Z');
    const token = await sign(CONTEXT, { now });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: rsa.kid, typ: 'tether-handoff+jwt' });
    const iat = Math.floor(now.getTime() / 1000);
    expect(decodeJwt(token)).toEqual({ ...WIRE, iss: ISSUER, aud: AUDIENCE, iat, exp: iat + HANDOFF_TOKEN_TTL_SEC, jti: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('omits a null name and email, keeps a null course', async () => {
    const token = await sign({ ...CONTEXT, learner: { id: 'm-2', name: null, email: null }, course: null, roles: [] });
    const payload = decodeJwt(token);
    expect(payload).not.toHaveProperty('name');
    expect(payload).not.toHaveProperty('email');
    expect(payload).toMatchObject({ sub: 'm-2', tether: { course: null, roles: [] } });
  });

  it('a fresh jti every time', async () => {
    const [a, b] = await Promise.all([sign(), sign()]);
    expect(decodeJwt(a).jti).not.toBe(decodeJwt(b).jti);
  });

  it('refuses options and contexts no verifier would accept', async () => {
    await expect(sign(CONTEXT, { alg: 'HS256' })).rejects.toThrow(/alg/);
    await expect(sign(CONTEXT, { alg: 'PS256' })).rejects.toThrow(/alg/);
    await expect(sign(CONTEXT, { ttlSec: HANDOFF_TOKEN_TTL_SEC + 1 })).rejects.toThrow(/ttlSec/);
    await expect(sign(CONTEXT, { ttlSec: 0 })).rejects.toThrow(/ttlSec/);
    await expect(sign(CONTEXT, { issuer: '' })).rejects.toThrow(/issuer/);
    await expect(sign(CONTEXT, { audience: '' })).rejects.toThrow(/audience/);
    const bad = { ...CONTEXT, learner: { ...CONTEXT.learner, id: '' }, scenario: { id: 'sc-1', slug: '' } };
    const err = await sign(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain('sub');
    expect((err as Error).message).toContain('tether.scenario.slug');
    // Paths only: no personal data in the message.
    expect((err as Error).message).not.toContain('Ada');
  });
});

describe('createHandoffVerifier', () => {
  it('verifies a token and returns the context, its jti and expiry', async () => {
    const token = await sign();
    const verified = await verifier().verify(token);
    expect(verified).toEqual({ ...CONTEXT, jti: decodeJwt(token).jti, expiresAt: new Date((decodeJwt(token).exp as number) * 1000) });
  });

  it('round-trips a context without name, email or course', async () => {
    const ctx: HandoffContext = { ...CONTEXT, learner: { id: 'm-3', name: null, email: null }, course: null, canSendGrade: false };
    const verified = await verifier().verify(await sign(ctx));
    expect(verified).toMatchObject(ctx);
  });

  it('verifies an ES256 token', async () => {
    const token = await signHandoffToken(CONTEXT, { key: ec.privateKey, kid: ec.kid, alg: 'ES256', issuer: ISSUER, audience: AUDIENCE });
    expect((await verifier().verify(token)).launch).toEqual(CONTEXT.launch);
  });

  it('fetches the JWKS once and answers later tokens from cache', async () => {
    const v = verifier();
    const before = server.requests.length;
    await v.verify(await sign());
    await v.verify(await sign());
    expect(server.requests.length - before).toBe(1);
    expect(server.requests.at(-1)?.headers['user-agent']).toBe('tether-handoff-verifier (@tether/crypto)');
  });

  it('accepts typ with an application/ prefix and in another case (RFC 7515 §4.1.9)', async () => {
    expect((await verifier().verify(await forge(WIRE, { typ: 'application/Tether-Handoff+JWT' }))).learner.id).toBe('member-1');
  });

  it('refuses a plain-http JWKS URL whose host is not allowed', () => {
    expect(() => createHandoffVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE })).toThrow(/https/);
    expect(() => createHandoffVerifier({ jwksUrl: 'not a url', issuer: ISSUER, audience: AUDIENCE })).toThrow(TypeError);
    expect(() => createHandoffVerifier({ jwksUrl: 'https://tether.example/.well-known/jwks.json', issuer: '', audience: AUDIENCE })).toThrow(/issuer/);
  });

  it('refuses a JWKS on a loopback address when its host is not allowed (SSRF guard)', async () => {
    const v = createHandoffVerifier({ jwksUrl: jwksUrl.replace('http:', 'https:'), issuer: ISSUER, audience: AUDIENCE });
    const err = await rejection(v.verify(await sign()));
    expect(err.code).toBe('jwks_fetch_failed');
    expect(err.details.reason).toBe('address_refused');
  });
});

describe('hand-off refusals', () => {
  it('wrong typ: handoff_token_invalid', async () => {
    for (const header of [{ typ: 'JWT' }, {}, { typ: 'tether-ott+jwt' }]) {
      const err = await rejection(verifier().verify(await forge(WIRE, header)));
      expect(err.code).toBe('handoff_token_invalid');
      expect(err.details.reason).toBe('typ');
    }
  });

  it('wrong audience: aud_mismatch', async () => {
    const err = await rejection(verifier().verify(await sign(CONTEXT, { audience: 'https://other-player.example' })));
    expect(err.code).toBe('aud_mismatch');
    // Exactly one audience, even if it contains ours.
    const both = await forge({ ...WIRE, aud: [AUDIENCE, 'https://other-player.example'] });
    expect((await rejection(verifier().verify(both))).code).toBe('aud_mismatch');
    // Exact: a path or a trailing slash is another audience.
    expect((await rejection(verifier().verify(await sign(CONTEXT, { audience: `${AUDIENCE}/` })))).code).toBe('aud_mismatch');
  });

  it('wrong issuer: iss_mismatch', async () => {
    const err = await rejection(verifier().verify(await sign(CONTEXT, { issuer: 'https://evil.example' })));
    expect(err.code).toBe('iss_mismatch');
  });

  it('expired: token_expired', async () => {
    const token = await sign(CONTEXT, { now: new Date(Date.now() - 10 * 60_000) });
    expect((await rejection(verifier().verify(token))).code).toBe('token_expired');
    // Within the clock tolerance it still passes; beyond it, not.
    const late = await sign(CONTEXT, { now: new Date(Date.now() - (HANDOFF_TOKEN_TTL_SEC + 30) * 1000) });
    await expect(verifier({ clockToleranceSec: 60 }).verify(late)).resolves.toBeDefined();
    expect((await rejection(verifier({ clockToleranceSec: 10 }).verify(late))).code).toBe('token_expired');
  });

  it('older than the TTL even with a later exp: token_too_old', async () => {
    const token = await signJwt(
      { ...WIRE, iss: ISSUER, aud: AUDIENCE },
      { key: rsaKey, kid: rsa.kid, typ: HANDOFF_TOKEN_TYPE, jti: true, expiresInSec: 3600, issuedAt: new Date(Date.now() - 400_000) },
    );
    expect((await rejection(verifier().verify(token))).code).toBe('token_too_old');
  });

  it('no exp: claim_invalid', async () => {
    const token = await new SignJWT({ ...WIRE, iss: ISSUER, aud: AUDIENCE, jti: 'j-no-exp' })
      .setProtectedHeader({ alg: 'RS256', kid: rsa.kid, typ: HANDOFF_TOKEN_TYPE })
      .setIssuedAt()
      .sign(rsaKey);
    const err = await rejection(verifier().verify(token));
    expect(err.code).toBe('claim_invalid');
    expect(err.details.claim).toBe('exp');
  });

  it('replayed: handoff_token_replayed', async () => {
    const v = verifier();
    const token = await sign();
    await v.verify(token);
    const err = await rejection(v.verify(token));
    expect(err.code).toBe('handoff_token_replayed');
  });

  it('replayed across verifiers sharing a store; a refusal does not use the jti up', async () => {
    const replayStore = createMemoryReplayStore();
    const token = await sign();
    // Refused for its audience before the store is asked: the jti stays unused.
    expect((await rejection(verifier({ replayStore, audience: 'https://elsewhere.example' }).verify(token))).code).toBe('aud_mismatch');
    await verifier({ replayStore }).verify(token);
    expect((await rejection(verifier({ replayStore }).verify(token))).code).toBe('handoff_token_replayed');
  });

  it('asks the replay store once per accepted token, until the token could no longer verify', async () => {
    const calls: [string, Date][] = [];
    const replayStore = {
      claim: async (jti: string, expiresAt: Date) => {
        calls.push([jti, expiresAt]);
        return true;
      },
    };
    const now = new Date('2026-01-10T10:00:00Z');
    const token = await sign(CONTEXT, { now });
    await verifier({ replayStore, clockToleranceSec: 30, now: () => now }).verify(token);
    expect(calls).toEqual([[decodeJwt(token).jti, new Date(now.getTime() + (HANDOFF_TOKEN_TTL_SEC + 30) * 1000)]]);
  });

  it('malformed claims: handoff_token_invalid naming the claims', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...WIRE, tether: undefined }, 'tether'],
      [{ ...WIRE, sub: undefined }, 'sub'],
      [{ ...WIRE, name: 42 }, 'name'],
      [{ ...WIRE, tether: { ...WIRE.tether, can_send_grade: 'yes' } }, 'tether.can_send_grade'],
      [{ ...WIRE, tether: { ...WIRE.tether, scenario: { id: 'sc-1' } } }, 'tether.scenario.slug'],
      [{ ...WIRE, tether: { ...WIRE.tether, launch: { id: 'l', correlationId: 'c' } } }, 'tether.launch.correlation_id'],
      [{ ...WIRE, tether: { ...WIRE.tether, roles: 'Learner' } }, 'tether.roles'],
      [{ ...WIRE, tether: { ...WIRE.tether, course: { id: 7, title: null } } }, 'tether.course.id'],
    ];
    for (const [payload, claim] of cases) {
      const err = await rejection(verifier().verify(await forge(payload)));
      expect(err.code, claim).toBe('handoff_token_invalid');
      expect(err.details.reason).toBe('claims');
      expect(err.details.claims, claim).toContain(claim);
    }
  });

  it('ignores claims it does not know (newer runtimes may add some)', async () => {
    const token = await forge({ ...WIRE, locale: 'fr', tether: { ...WIRE.tether, attempt: { max: 3 } } });
    expect(await verifier().verify(token)).toMatchObject(CONTEXT);
  });

  it('HS256 and none: alg_not_allowed', async () => {
    // HS256 "signed" with the public key as the secret: the classic key-confusion attack.
    const secret = new TextEncoder().encode(JSON.stringify(rsa.publicJwk));
    const hs = await new SignJWT({ ...WIRE, iss: ISSUER, aud: AUDIENCE, jti: 'j-hs' })
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid, typ: HANDOFF_TOKEN_TYPE })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    expect((await rejection(verifier().verify(hs))).code).toBe('alg_not_allowed');

    const now = Math.floor(Date.now() / 1000);
    const part = (v: unknown) => base64url.encode(JSON.stringify(v));
    const none = `${part({ alg: 'none', kid: rsa.kid, typ: HANDOFF_TOKEN_TYPE })}.${part({ ...WIRE, iss: ISSUER, aud: AUDIENCE, jti: 'j-none', iat: now, exp: now + 300 })}.`;
    expect((await rejection(verifier().verify(none))).code).toBe('alg_not_allowed');

    // RS512 is asymmetric but not on the hand-off allow-list either.
    const rs512Key = (await importJWK({ ...rsa.privateJwk, alg: 'RS512' }, 'RS512')) as CryptoKey;
    const rs512 = await signJwt({ ...WIRE, iss: ISSUER, aud: AUDIENCE }, { key: rs512Key, kid: rsa.kid, alg: 'RS512', typ: HANDOFF_TOKEN_TYPE, expiresInSec: 300, jti: true });
    expect((await rejection(verifier().verify(rs512))).code).toBe('alg_not_allowed');
  });

  it('unknown kid: kid_not_found', async () => {
    const token = await signHandoffToken(CONTEXT, { key: strangerKey, kid: stranger.kid, issuer: ISSUER, audience: AUDIENCE });
    expect((await rejection(verifier().verify(token))).code).toBe('kid_not_found');
  });

  it('signed by another key under a published kid: bad_signature', async () => {
    const token = await signHandoffToken(CONTEXT, { key: strangerKey, kid: rsa.kid, issuer: ISSUER, audience: AUDIENCE });
    expect((await rejection(verifier().verify(token))).code).toBe('bad_signature');
  });

  it('not a JWT: jwt_malformed', async () => {
    expect((await rejection(verifier().verify('tether_launch'))).code).toBe('jwt_malformed');
  });
});

describe('createMemoryReplayStore', () => {
  it('true for the first claim of a jti only, until it expires', () => {
    let t = 1_000_000;
    const store = createMemoryReplayStore({ now: () => t });
    expect(store.claim('a', new Date(t + 1000))).toBe(true);
    expect(store.claim('a', new Date(t + 1000))).toBe(false);
    expect(store.claim('b', new Date(t + 1000))).toBe(true);
    t += 1000;
    // Expired: the token it belonged to can no longer verify, so the entry is gone.
    expect(store.claim('a', new Date(t + 1000))).toBe(true);
  });

  it('sweeps expired entries as time passes', () => {
    let t = 0;
    const store = createMemoryReplayStore({ now: () => t });
    for (let i = 0; i < 100; i++) store.claim(`old-${i}`, new Date(t + 10));
    t += 60_000;
    expect(store.claim('new', new Date(t + 10))).toBe(true);
    for (let i = 0; i < 100; i++) expect(store.claim(`old-${i}`, new Date(t + 10))).toBe(true);
  });

  it('refuses an invalid expiry instead of remembering nothing', () => {
    expect(() => createMemoryReplayStore().claim('x', new Date(Number.NaN))).toThrow(TypeError);
  });
});
