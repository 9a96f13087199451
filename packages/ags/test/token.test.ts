import { BRIGHTSPACE_TOKEN_AUDIENCE } from '@tether/lms-sim';
import { describe, expect, it } from 'vitest';
import { AGS_SCOPES, CLIENT_ASSERTION_TYPE, createServiceTokenProvider, type CachedServiceToken } from '../src/index.js';
import { rejection, rewriteJson, score, setup, signer, startServer, tapFetch, UA } from './helpers.js';

const DEPLOYMENT_ID_CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/deployment_id';

describe('service token provider', () => {
  it('uses one token request for 20 sequential score posts (#39, pain 25)', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags, tokens } = h.client();
    for (let i = 0; i < 20; i++) await ags.postScore(li.id, score(`learner-${i}`));
    expect(h.sim.scores(li.id)).toHaveLength(20);
    expect(h.sim.stats().tokenRequests).toBe(1);
    expect(tokens.stats()).toMatchObject({ tokenRequests: 1, cacheHits: 19 });
  });

  it('shares one in-flight token request between 20 concurrent posts', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags, tokens } = h.client();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ags.postScore(li.id, score(`learner-${i}`))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(h.sim.scores(li.id)).toHaveLength(20);
    expect(h.sim.stats().tokenRequests).toBe(1);
    expect(tokens.stats()).toMatchObject({ tokenRequests: 1, joinedInFlight: 19 });
  });

  it('signs assertions with kid, RS256, iss = sub = client_id, aud = token URL, integer iat, exp ≤ 5 min, unique jti (#37, pain 18, 19)', async () => {
    const h = await setup();
    const tokens = h.provider();
    await tokens.getToken([AGS_SCOPES.score]);
    await tokens.getToken([AGS_SCOPES.lineItem]);
    await tokens.getToken([AGS_SCOPES.resultReadonly]);
    const assertions = h.sim.assertions();
    expect(assertions).toHaveLength(3);
    const { kid } = await signer();
    for (const a of assertions) {
      expect(a.rejected).toBeNull();
      expect(a.header).toMatchObject({ alg: 'RS256', kid });
      expect(a.claims).toMatchObject({ iss: h.sim.clientId, sub: h.sim.clientId, aud: h.sim.endpoints.token });
      expect(a.claims[DEPLOYMENT_ID_CLAIM]).toBe(h.sim.deploymentId);
      const { iat, exp } = a.claims as { iat: number; exp: number };
      expect(Number.isInteger(iat)).toBe(true);
      expect(Number.isInteger(exp)).toBe(true);
      expect(exp - iat).toBeGreaterThan(0);
      expect(exp - iat).toBeLessThanOrEqual(300);
      expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(30);
    }
    const jtis = assertions.map((a) => a.claims.jti);
    expect(jtis.every((j) => typeof j === 'string' && j.length >= 16)).toBe(true);
    expect(new Set(jtis).size).toBe(3);
  });

  it('POSTs form-encoded client_credentials with the jwt-bearer assertion type and only the scopes given, sorted (#38)', async () => {
    const h = await setup();
    const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
    const tokens = h.provider({ fetch: tapFetch((url, init) => seen.push({ url, init })) });
    const token = await tokens.getToken([AGS_SCOPES.score, AGS_SCOPES.lineItem, AGS_SCOPES.score]);
    expect(seen).toHaveLength(1);
    const { url, init } = seen[0]!;
    expect(url).toBe(h.sim.endpoints.token);
    expect(init?.method).toBe('POST');
    const headers = init?.headers as Record<string, string>;
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(headers['user-agent']).toBe(UA);
    const form = new URLSearchParams(init?.body as string);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_assertion_type')).toBe(CLIENT_ASSERTION_TYPE);
    expect(form.get('client_assertion')?.split('.')).toHaveLength(3);
    expect(form.get('scope')).toBe([AGS_SCOPES.lineItem, AGS_SCOPES.score].sort().join(' '));
    expect(token.scopes).toEqual([AGS_SCOPES.lineItem, AGS_SCOPES.score].sort());
    // Scope order and duplicates do not make a different cache entry.
    await tokens.getToken([AGS_SCOPES.lineItem, AGS_SCOPES.score]);
    expect(seen).toHaveLength(1);
    const tokenLog = h.sim.requestLog().filter((e) => e.path === '/token');
    expect(tokenLog.map((e) => e.userAgent)).toEqual([UA]);
  });

  it('keys the cache by token URL, client_id and scope set: two clients sharing a token URL and a cache never share a token (pain 24)', async () => {
    const h = await setup();
    h.registerClient('tenant-b');
    const cache = new Map<string, CachedServiceToken>();
    const a = h.provider({ cache });
    const b = h.provider({ cache, clientId: 'tenant-b', deploymentId: undefined });
    const ta = await a.getToken([AGS_SCOPES.score]);
    const tb = await b.getToken([AGS_SCOPES.score]);
    expect(ta.accessToken).not.toBe(tb.accessToken);
    expect(h.sim.stats().tokenRequests).toBe(2);
    const owners = new Map(h.sim.accessTokens().map((t) => [t.accessToken, t.clientId]));
    expect(owners.get(ta.accessToken)).toBe(h.sim.clientId);
    expect(owners.get(tb.accessToken)).toBe('tenant-b');
    // Each is cached under its own key…
    expect((await a.getToken([AGS_SCOPES.score])).accessToken).toBe(ta.accessToken);
    expect((await b.getToken([AGS_SCOPES.score])).accessToken).toBe(tb.accessToken);
    // …and a different scope set is a different token.
    const tc = await a.getToken([AGS_SCOPES.score, AGS_SCOPES.lineItem]);
    expect(tc.accessToken).not.toBe(ta.accessToken);
    expect(h.sim.stats().tokenRequests).toBe(3);
    expect(cache.size).toBe(3);

    // Grades posted through each registration land under that registration.
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    await h.client({ tokens: a }).ags.postScore(li.id, score('u-a'));
    await h.client({ tokens: b }).ags.postScore(li.id, score('u-b'));
    expect(h.sim.scores(li.id).map((s) => [s.score.userId, s.clientId])).toEqual([
      ['u-a', h.sim.clientId],
      ['u-b', 'tenant-b'],
    ]);
  });

  it('brightspace: works with the audience override and is rejected with the token URL as audience (pain 17)', async () => {
    const h = await setup({ mode: 'brightspace' });
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });

    const err = await rejection(h.provider().getToken([AGS_SCOPES.score]));
    expect(err.code).toBe('ags_token_rejected');
    expect(err.status).toBe(401);
    expect(err.retryable).toBe(false);
    expect(err.details.error).toBe('invalid_client');
    expect(err.details.error_description).toMatch(/aud/);
    expect(h.sim.assertions()[0]!.claims.aud).toBe(h.sim.endpoints.token);

    const { ags } = h.client({ provider: { audience: BRIGHTSPACE_TOKEN_AUDIENCE } });
    await expect(ags.postScore(li.id, score('learner-1'))).resolves.toMatchObject({ status: 200 });
    expect(h.sim.assertions()[1]).toMatchObject({ rejected: null, claims: { aud: BRIGHTSPACE_TOKEN_AUDIENCE } });
  });

  it('accepts token_type "bearer" in any case and still sends "Bearer" (pain 19)', async () => {
    const h = await setup({ mode: 'blackboard' });
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    for (const tokenType of ['bearer', 'BEARER']) {
      const fetchImpl = tapFetch(
        () => {},
        async (url, res) => (url === h.sim.endpoints.token ? rewriteJson(res, (b) => (b.token_type = tokenType)) : res),
      );
      const { ags } = h.client({ provider: { fetch: fetchImpl } });
      await expect(ags.postScore(li.id, score(`u-${tokenType}`))).resolves.toMatchObject({ status: 200 });
    }
    const scorePosts = h.sim.requestLog().filter((e) => e.path.endsWith('/scores'));
    expect(scorePosts).toHaveLength(2);
    for (const e of scorePosts) expect(e.authorization).toMatch(/^Bearer \S+$/);

    const mac = h.provider({
      fetch: tapFetch(
        () => {},
        async (_url, res) => rewriteJson(res, (b) => (b.token_type = 'mac')),
      ),
    });
    const err = await rejection(mac.getToken([AGS_SCOPES.score]));
    expect(err.code).toBe('ags_invalid_response');
  });

  it('requests a new token once expires_in minus the safety margin has passed', async () => {
    const h = await setup({ tokenTtlSec: 65 });
    const t0 = Date.now();
    let offset = 0;
    const tokens = h.provider({ now: () => t0 + offset, safetyMarginSec: 60 });
    const first = await tokens.getToken([AGS_SCOPES.score]);
    expect(first.expiresAt).toBe(t0 + 65_000);
    offset = 4_000;
    expect((await tokens.getToken([AGS_SCOPES.score])).accessToken).toBe(first.accessToken);
    offset = 5_500;
    const second = await tokens.getToken([AGS_SCOPES.score]);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(h.sim.stats().tokenRequests).toBe(2);
  });

  it('maps token endpoint refusals to ags_token_rejected with the OAuth error, status and description', async () => {
    const h = await setup();
    h.registerClient('score-only', [AGS_SCOPES.score]);
    const tokens = h.provider({ clientId: 'score-only' });
    const err = await rejection(tokens.getToken([AGS_SCOPES.lineItem]));
    expect(err.code).toBe('ags_token_rejected');
    expect(err.status).toBe(400);
    expect(err.details).toMatchObject({ error: 'invalid_scope', clientId: 'score-only', tokenUrl: h.sim.endpoints.token });
    expect(err.details.error_description).toMatch(/lineitem/);
    // The assertion never appears in the error.
    expect(JSON.stringify(err.details)).not.toMatch(/eyJ/);

    const unknown = await rejection(h.provider({ clientId: 'nobody' }).getToken([AGS_SCOPES.score]));
    expect(unknown).toMatchObject({ code: 'ags_token_rejected', status: 401 });
    expect(unknown.details.error).toBe('invalid_client');
  });

  it('maps 5xx and network failures to retryable ags_platform_unavailable, and does not cache the failure', async () => {
    const h = await setup();
    const tokens = h.provider();
    h.sim.failNext({ path: /^\/token/, status: 503, headers: { 'retry-after': '3' } });
    const err = await rejection(tokens.getToken([AGS_SCOPES.score]));
    expect(err).toMatchObject({ code: 'ags_platform_unavailable', status: 503, retryable: true });
    expect(err.details.retryAfterSec).toBe(3);
    await expect(tokens.getToken([AGS_SCOPES.score])).resolves.toMatchObject({ scopes: [AGS_SCOPES.score] });

    h.sim.setDown(true);
    const down = await rejection(h.provider().getToken([AGS_SCOPES.lineItem]));
    expect(down).toMatchObject({ code: 'ags_platform_unavailable', status: 503, retryable: true });
    h.sim.setDown(false);

    const dead = await startServer(() => {});
    await dead.close();
    const offline = createServiceTokenProvider({ clientId: 'x', tokenUrl: `${dead.url}/token`, signer, userAgent: UA });
    const net = await rejection(offline.getToken([AGS_SCOPES.score]));
    expect(net).toMatchObject({ code: 'ags_platform_unavailable', retryable: true });
    expect(net.details.reason).toBe('network');
  });

  it('times out a token endpoint that never answers', async () => {
    const hang = await startServer(() => {});
    const tokens = createServiceTokenProvider({ clientId: 'x', tokenUrl: `${hang.url}/token`, signer, userAgent: UA, timeoutMs: 150 });
    const err = await rejection(tokens.getToken([AGS_SCOPES.score]));
    expect(err).toMatchObject({ code: 'ags_platform_unavailable', retryable: true });
    expect(err.details.reason).toBe('timeout');
  });

  it('caches for half the lifetime when expires_in is shorter than the safety margin', async () => {
    let calls = 0;
    const fakeFetch = (async () => {
      calls++;
      return new Response(JSON.stringify({ access_token: `t${calls}`, token_type: 'Bearer', expires_in: 30 }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }) as unknown as typeof fetch;
    let t = 1_700_000_000_000;
    const tokens = createServiceTokenProvider({
      clientId: 'x',
      tokenUrl: 'https://lms.example/token',
      signer,
      userAgent: UA,
      fetch: fakeFetch,
      now: () => t,
    });
    await tokens.getToken([AGS_SCOPES.score]);
    t += 14_000;
    await tokens.getToken([AGS_SCOPES.score]);
    expect(calls).toBe(1);
    t += 2_000;
    await tokens.getToken([AGS_SCOPES.score]);
    expect(calls).toBe(2);
  });

  it('invalidate(scopes, token) only drops the token it names', async () => {
    const h = await setup();
    const tokens = h.provider();
    const first = await tokens.getToken([AGS_SCOPES.score]);
    tokens.invalidate([AGS_SCOPES.score], 'some-other-token');
    expect((await tokens.getToken([AGS_SCOPES.score])).accessToken).toBe(first.accessToken);
    tokens.invalidate([AGS_SCOPES.score], first.accessToken);
    const second = await tokens.getToken([AGS_SCOPES.score]);
    expect(second.accessToken).not.toBe(first.accessToken);
    tokens.invalidate([AGS_SCOPES.score]);
    expect(tokens.stats()).toMatchObject({ tokenRequests: 2, invalidations: 2 });
  });

  it('refuses bad configuration early', () => {
    const base = { clientId: 'x', tokenUrl: 'https://lms.example/token', signer, userAgent: UA };
    expect(() => createServiceTokenProvider({ ...base, userAgent: ' ' })).toThrow(/userAgent/);
    expect(() => createServiceTokenProvider({ ...base, clientId: '' })).toThrow(/clientId/);
    expect(() => createServiceTokenProvider({ ...base, tokenUrl: 'not a url' })).toThrow(/tokenUrl/);
    const tokens = createServiceTokenProvider(base);
    expect(() => tokens.invalidate([])).toThrow(/scope/);
  });
});
