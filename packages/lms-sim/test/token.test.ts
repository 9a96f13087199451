import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { BRIGHTSPACE_TOKEN_AUDIENCE, CLIENT_ASSERTION_TYPE, SCOPE } from '../src/index.js';
import type { FakeTool } from './fake-tool.js';
import { setup } from './helpers.js';

async function requestToken(tokenUrl: string, assertion: string, scope = `${SCOPE.score} ${SCOPE.lineItem}`, extra: Record<string, string> = {}) {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'tether-test/1.0' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope,
      ...extra,
    }).toString(),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

function assertionFor(tool: FakeTool, sim: { clientId: string; endpoints: { token: string } }, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  return tool.assertion({ clientId: sim.clientId, aud: sim.endpoints.token, claims, header });
}

describe('token endpoint', () => {
  it('accepts a correct client assertion and returns a Bearer token', async () => {
    const { sim, tool } = await setup();
    const { res, body } = await requestToken(sim.endpoints.token, await assertionFor(tool, sim));
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: `${SCOPE.score} ${SCOPE.lineItem}` });
    expect(typeof body.access_token).toBe('string');
    expect(sim.stats().tokenRequests).toBe(1);
    expect(sim.stats().toolJwksFetches).toBe(1);
    const [a] = sim.assertions();
    expect(a!.rejected).toBeNull();
    expect(a!.claims.iss).toBe(sim.clientId);
    expect(a!.header.kid).toBe(tool.kid);
    expect(sim.accessTokens()[0]!.scopes).toEqual([SCOPE.score, SCOPE.lineItem]);
  });

  it('accepts aud as an array containing the token URL', async () => {
    const { sim, tool } = await setup();
    const a = await tool.assertion({ clientId: sim.clientId, aud: [sim.endpoints.token, 'https://other.example'] });
    expect((await requestToken(sim.endpoints.token, a)).res.status).toBe(200);
  });

  it('rejects a fractional iat', async () => {
    const { sim, tool } = await setup();
    const { res, body } = await requestToken(sim.endpoints.token, await assertionFor(tool, sim, { iat: Date.now() / 1000 }));
    expect(res.status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).toMatch(/iat/);
    expect(sim.assertions()[0]!.rejected).toMatch(/iat/);
  });

  it('rejects a wrong aud', async () => {
    const { sim, tool } = await setup();
    const a = await tool.assertion({ clientId: sim.clientId, aud: sim.issuer });
    const { res, body } = await requestToken(sim.endpoints.token, a);
    expect(res.status).toBe(401);
    expect(body.error_description).toMatch(/aud/);
  });

  it('rejects a replayed jti', async () => {
    const { sim, tool } = await setup();
    const a = await assertionFor(tool, sim);
    expect((await requestToken(sim.endpoints.token, a)).res.status).toBe(200);
    const again = await requestToken(sim.endpoints.token, a);
    expect(again.res.status).toBe(401);
    expect(again.body.error_description).toMatch(/jti .* already used/);
  });

  it('rejects exp more than 5 minutes ahead, expired assertions and a missing jti', async () => {
    const { sim, tool } = await setup();
    const t = Math.floor(Date.now() / 1000);
    const long = await requestToken(sim.endpoints.token, await assertionFor(tool, sim, { exp: t + 3600 }));
    expect(long.body.error_description).toMatch(/5 minutes/);
    const old = await requestToken(sim.endpoints.token, await assertionFor(tool, sim, { iat: t - 900, exp: t - 600 }));
    expect(old.body.error_description).toMatch(/expired/);
    const noJti = await requestToken(sim.endpoints.token, await assertionFor(tool, sim, { jti: undefined }));
    expect(noJti.body.error_description).toMatch(/jti/);
  });

  it('rejects sub ≠ iss, unknown client, unknown kid, a bad signature', async () => {
    const { sim, tool } = await setup();
    const sub = await requestToken(sim.endpoints.token, await assertionFor(tool, sim, { sub: 'someone' }));
    expect(sub.body.error_description).toMatch(/sub must equal iss/);
    const unknown = await requestToken(sim.endpoints.token, await tool.assertion({ clientId: 'nope', aud: sim.endpoints.token }));
    expect(unknown.res.status).toBe(401);
    expect(unknown.body.error_description).toMatch(/not a registered client_id/);
    const kid = await requestToken(sim.endpoints.token, await assertionFor(tool, sim, {}, { kid: 'other-kid' }));
    expect(kid.body.error_description).toMatch(/no key with kid "other-kid"/);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await tool.assertion({ clientId: sim.clientId, aud: sim.endpoints.token, key: privateKey });
    const bad = await requestToken(sim.endpoints.token, forged);
    expect(bad.res.status).toBe(401);
    expect(bad.body.error_description).toMatch(/signature/);
  });

  it('rejects malformed requests with OAuth errors', async () => {
    const { sim, tool } = await setup();
    const a = await assertionFor(tool, sim);
    const grant = await requestToken(sim.endpoints.token, a, SCOPE.score, { grant_type: 'password' });
    expect(grant.res.status).toBe(400);
    expect(grant.body.error).toBe('unsupported_grant_type');
    const type = await requestToken(sim.endpoints.token, a, SCOPE.score, { client_assertion_type: 'jwt' });
    expect(type.body.error).toBe('invalid_request');
    const json = await fetch(sim.endpoints.token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    const scope = await requestToken(sim.endpoints.token, await assertionFor(tool, sim), 'https://example.com/scope/admin');
    expect(scope.res.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
  });

  it('brightspace mode requires the api.brightspace.com audience', async () => {
    const { sim, tool } = await setup({ mode: 'brightspace' });
    const tokenUrl = await requestToken(sim.endpoints.token, await assertionFor(tool, sim));
    expect(tokenUrl.res.status).toBe(401);
    expect(tokenUrl.body.error_description).toContain(BRIGHTSPACE_TOKEN_AUDIENCE);
    const ok = await requestToken(sim.endpoints.token, await tool.assertion({ clientId: sim.clientId, aud: BRIGHTSPACE_TOKEN_AUDIENCE }));
    expect(ok.res.status).toBe(200);
  });

  it('registered scopes limit what a client may ask for', async () => {
    const { sim, tool } = await setup();
    sim.registerTool({ clientId: 'narrow', loginUrl: tool.loginUrl, redirectUris: [tool.launchUrl], jwksUrl: tool.jwksUrl, scopes: [SCOPE.score] });
    const a = await tool.assertion({ clientId: 'narrow', aud: sim.endpoints.token });
    const { res, body } = await requestToken(sim.endpoints.token, a, `${SCOPE.score} ${SCOPE.nrps}`);
    expect(res.status).toBe(400);
    expect(body.error_description).toContain(SCOPE.nrps);
  });
});
