import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportSPKI, importJWK, type JWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLAIM, parseAutoPostForm, type Tamper } from '../src/index.js';
import { loginAndAuth, setup } from './helpers.js';

async function launchWith(tamper: Tamper, extra: Parameters<Awaited<ReturnType<typeof setup>>['sim']['loginInitiation']>[0] = {}) {
  const { sim, tool } = await setup();
  const { body } = await loginAndAuth(sim, { ...extra, tamper });
  const fields = parseAutoPostForm(body).fields;
  const jwks = (await (await fetch(sim.endpoints.jwks)).json()) as { keys: JWK[] };
  return { sim, tool, fields, token: fields.id_token!, jwks };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

describe('tamper options each produce the intended defect', () => {
  it('alg none: unsigned, empty signature', async () => {
    const { token } = await launchWith({ alg: 'none' });
    expect(decodeProtectedHeader(token).alg).toBe('none');
    expect(token.split('.')).toHaveLength(3);
    expect(token.endsWith('.')).toBe(true);
    expect(decodeJwt(token)[CLAIM.messageType]).toBe('LtiResourceLinkRequest');
  });

  it('alg HS256: HMAC keyed with the platform public key PEM', async () => {
    const { token, jwks, sim } = await launchWith({ alg: 'HS256' });
    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe('HS256');
    expect(header.kid).toBe(sim.currentKid);
    const pub = await importJWK(jwks.keys[0]!, 'RS256');
    const pem = await exportSPKI(pub as Parameters<typeof exportSPKI>[0]);
    // verifies with the public key bytes as HMAC secret — exactly the confusion attack
    await expect(compactVerify(token, new TextEncoder().encode(pem))).resolves.toBeTruthy();
    // ...and of course not as RS256
    await expect(compactVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] })).rejects.toThrow();
  });

  it('kid: unknown kid in the header', async () => {
    const { token, jwks } = await launchWith({ kid: 'no-such-kid' });
    expect(decodeProtectedHeader(token).kid).toBe('no-such-kid');
    await expect(jwtVerify(token, createLocalJWKSet(jwks))).rejects.toThrow(/no applicable key/i);
  });

  it('omitKid: no kid header, otherwise validly signed', async () => {
    const { token, jwks } = await launchWith({ omitKid: true });
    expect(decodeProtectedHeader(token).kid).toBeUndefined();
    const key = await importJWK(jwks.keys[0]!, 'RS256');
    await expect(jwtVerify(token, key)).resolves.toBeTruthy();
  });

  it('wrongKey: claims the published kid but the signature does not verify', async () => {
    const { token, jwks, sim } = await launchWith({ wrongKey: true });
    expect(decodeProtectedHeader(token).kid).toBe(sim.currentKid);
    await expect(jwtVerify(token, createLocalJWKSet(jwks))).rejects.toThrow(/signature/i);
  });

  it('expired: exp in the past', async () => {
    const { token, jwks } = await launchWith({ expired: true });
    const c = decodeJwt(token);
    expect(c.exp!).toBeLessThan(now());
    await expect(jwtVerify(token, createLocalJWKSet(jwks))).rejects.toThrow(/exp/);
  });

  it('iatOffsetSec / expOffsetSec move iat and exp', async () => {
    const { token } = await launchWith({ iatOffsetSec: 3600, expOffsetSec: 7200 });
    const c = decodeJwt(token);
    expect(Math.abs(c.iat! - (now() + 3600))).toBeLessThanOrEqual(2);
    expect(Math.abs(c.exp! - (now() + 7200))).toBeLessThanOrEqual(2);
  });

  it('iss / aud / azp overrides', async () => {
    const { token } = await launchWith({ iss: 'https://evil.example', aud: ['x', 'y'], azp: 'y' });
    const c = decodeJwt(token);
    expect(c.iss).toBe('https://evil.example');
    expect(c.aud).toEqual(['x', 'y']);
    expect(c.azp).toBe('y');
  });

  it('nonce: replaced, or omitted with null', async () => {
    const a = await launchWith({ nonce: 'not-the-one' });
    expect(decodeJwt(a.token).nonce).toBe('not-the-one');
    const b = await launchWith({ nonce: null });
    expect('nonce' in decodeJwt(b.token)).toBe(false);
  });

  it('deploymentId: replaced, or omitted with null', async () => {
    const a = await launchWith({ deploymentId: 'unknown-dep' });
    expect(decodeJwt(a.token)[CLAIM.deploymentId]).toBe('unknown-dep');
    const b = await launchWith({ deploymentId: null });
    expect(CLAIM.deploymentId in decodeJwt(b.token)).toBe(false);
  });

  it('version and messageType overrides', async () => {
    const { token } = await launchWith({ version: '1.1', messageType: 'LtiMadeUpRequest' });
    const c = decodeJwt(token);
    expect(c[CLAIM.version]).toBe('1.1');
    expect(c[CLAIM.messageType]).toBe('LtiMadeUpRequest');
  });

  it('omit removes claims by full URI or short LTI name', async () => {
    const { token } = await launchWith({ omit: ['roles', CLAIM.targetLinkUri, 'sub', 'resource_link'] });
    const c = decodeJwt(token);
    expect(c[CLAIM.roles]).toBeUndefined();
    expect(c[CLAIM.targetLinkUri]).toBeUndefined();
    expect(c[CLAIM.resourceLink]).toBeUndefined();
    expect(c.sub).toBeUndefined();
    expect(c[CLAIM.messageType]).toBe('LtiResourceLinkRequest');
  });

  it('set overrides claims (short names map to URIs)', async () => {
    const { token } = await launchWith({ set: { roles: 'Learner', sub: '', [CLAIM.resourceLink]: { id: '' } } });
    const c = decodeJwt(token);
    expect(c[CLAIM.roles]).toBe('Learner');
    expect(c.sub).toBe('');
    expect(c[CLAIM.resourceLink]).toEqual({ id: '' });
  });

  it('garbleToken: not a three-part JWS', async () => {
    const { token } = await launchWith({ garbleToken: true });
    expect(token.split('.')).toHaveLength(2);
  });

  it('replayOf: posts an earlier id_token verbatim; lastIdToken/idTokens record them', async () => {
    const { sim } = await setup();
    const first = parseAutoPostForm((await loginAndAuth(sim)).body).fields;
    expect(sim.lastIdToken()).toBe(first.id_token);
    const second = parseAutoPostForm((await loginAndAuth(sim, { tamper: { replayOf: first.id_token! } })).body).fields;
    expect(second.id_token).toBe(first.id_token);
    expect(second.state).not.toBe(first.state); // new state from the new login, old token
    expect(sim.idTokens()).toHaveLength(2);
    expect(sim.idTokens()[1]!.claims).toBeNull();
  });

  it('state: posts a different state than the tool sent', async () => {
    const { fields, tool } = await launchWith({ state: 'forged-state' });
    expect(fields.state).toBe('forged-state');
    expect(tool.logins[0]!.state).not.toBe('forged-state');
  });

  it('postError: posts error/error_description instead of an id_token (Canvas login_required)', async () => {
    const { fields } = await launchWith({ postError: { error: 'login_required', error_description: 'no session' } });
    expect(fields.id_token).toBeUndefined();
    expect(fields.error).toBe('login_required');
    expect(fields.error_description).toBe('no session');
    expect(fields.state).toBeTruthy();
  });

  it('untampered token verifies (control)', async () => {
    const { token, jwks, sim } = await launchWith({});
    await expect(jwtVerify(token, createLocalJWKSet(jwks), { issuer: sim.issuer, audience: sim.clientId })).resolves.toBeTruthy();
  });
});
