// The service-token provider: client assertion, the client-credentials request, caching until
// expiry, and token endpoint failures in its own codes.
import { BRIGHTSPACE_TOKEN_AUDIENCE } from '@tether/lms-sim';
import { describe, expect, it } from 'vitest';
import { CLAIM, CLIENT_ASSERTION_TYPE, createServiceTokenProvider, isServiceTokenError } from '../src/index.js';
import { LINE_ITEM, LOCAL, RESULTS, rejection, rewriteJson, SCORE, setup, signer, startServer, tapFetch, UA } from './service-helpers.js';

const DEPLOYMENT_ID_CLAIM = CLAIM.deploymentId;

describe('service token provider', () => {
  it('signs assertions with kid, RS256, iss = sub = client_id, aud = token URL, integer iat, exp ≤ 5 min, unique jti', async () => {
    const h = await setup();
    const tokens = h.provider();
    await tokens.getToken([SCORE]);
    await tokens.getToken([LINE_ITEM]);
    await tokens.getToken([RESULTS]);
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

  it('POSTs form-encoded client_credentials with the jwt-bearer assertion type and only the scopes given, sorted', async () => {
    const h = await setup();
    const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
    const tokens = h.provider({ fetch: tapFetch((url, init) => seen.push({ url, init })) });
    const token = await tokens.getToken([SCORE, LINE_ITEM, SCORE]);
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
    expect(form.get('scope')).toBe([LINE_ITEM, SCORE].sort().join(' '));
    expect(token.scopes).toEqual([LINE_ITEM, SCORE].sort());
    // Scope order and duplicates do not make a different cache entry.
    await tokens.getToken([LINE_ITEM, SCORE]);
    expect(seen).toHaveLength(1);
    const tokenLog = h.sim.requestLog().filter((e) => e.path === '/token');
    expect(tokenLog.map((e) => e.userAgent)).toEqual([UA]);
  });

  it('requests a new token once expires_in minus the safety margin has passed', async () => {
    const h = await setup({ tokenTtlSec: 65 });
    const t0 = Date.now();
    let offset = 0;
    const tokens = h.provider({ now: () => t0 + offset, safetyMarginSec: 60 });
    const first = await tokens.getToken([SCORE]);
    expect(first.expiresAt).toBe(t0 + 65_000);
    offset = 4_000;
    expect((await tokens.getToken([SCORE])).accessToken).toBe(first.accessToken);
    offset = 5_500;
    const second = await tokens.getToken([SCORE]);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(h.sim.stats().tokenRequests).toBe(2);
  });

  it('maps token endpoint refusals to service_token_rejected with the OAuth error, status and description', async () => {
    const h = await setup();
    h.registerClient('score-only', [SCORE]);
    const tokens = h.provider({ clientId: 'score-only' });
    const err = await rejection(tokens.getToken([LINE_ITEM]));
    expect(err.code).toBe('service_token_rejected');
    expect(err.status).toBe(400);
    expect(err.details).toMatchObject({ error: 'invalid_scope', clientId: 'score-only', tokenUrl: h.sim.endpoints.token });
    expect(err.details.error_description).toMatch(/lineitem/);
    // The assertion never appears in the error.
    expect(JSON.stringify(err.details)).not.toMatch(/eyJ/);

    const unknown = await rejection(h.provider({ clientId: 'nobody' }).getToken([SCORE]));
    expect(unknown).toMatchObject({ code: 'service_token_rejected', status: 401 });
    expect(unknown.details.error).toBe('invalid_client');
  });

  it('maps 5xx and network failures to retryable service_token_unavailable, and does not cache the failure', async () => {
    const h = await setup();
    const tokens = h.provider();
    h.sim.failNext({ path: /^\/token/, status: 503, headers: { 'retry-after': '3' } });
    const err = await rejection(tokens.getToken([SCORE]));
    expect(err).toMatchObject({ code: 'service_token_unavailable', status: 503, retryable: true });
    expect(err.details.retryAfterSec).toBe(3);
    await expect(tokens.getToken([SCORE])).resolves.toMatchObject({ scopes: [SCORE] });

    h.sim.setDown(true);
    const down = await rejection(h.provider().getToken([LINE_ITEM]));
    expect(down).toMatchObject({ code: 'service_token_unavailable', status: 503, retryable: true });
    h.sim.setDown(false);

    const dead = await startServer(() => {});
    await dead.close();
    const offline = createServiceTokenProvider({ clientId: 'x', tokenUrl: `${dead.url}/token`, signer, userAgent: UA, allowPrivateHosts: LOCAL });
    const net = await rejection(offline.getToken([SCORE]));
    expect(net).toMatchObject({ code: 'service_token_unavailable', retryable: true });
    expect(net.details.reason).toBe('network');
  });

  it('times out a token endpoint that never answers', async () => {
    const hang = await startServer(() => {});
    const tokens = createServiceTokenProvider({ clientId: 'x', tokenUrl: `${hang.url}/token`, signer, userAgent: UA, allowPrivateHosts: LOCAL, timeoutMs: 150 });
    const err = await rejection(tokens.getToken([SCORE]));
    expect(err).toMatchObject({ code: 'service_token_unavailable', retryable: true });
    expect(err.details.reason).toBe('timeout');
  });

  it('D2L: the assertion audience is configurable; the token URL as audience is refused', async () => {
    const h = await setup({ mode: 'brightspace' });
    const err = await rejection(h.provider().getToken([SCORE]));
    expect(err).toMatchObject({ code: 'service_token_rejected', status: 401, retryable: false });
    expect(err.details.error).toBe('invalid_client');
    expect(err.details.error_description).toMatch(/aud/);
    expect(isServiceTokenError(err, 'service_token_rejected')).toBe(true);
    await expect(h.provider({ audience: BRIGHTSPACE_TOKEN_AUDIENCE }).getToken([SCORE])).resolves.toMatchObject({ scopes: [SCORE] });
    expect(h.sim.assertions().map((a) => a.claims.aud)).toEqual([h.sim.endpoints.token, BRIGHTSPACE_TOKEN_AUDIENCE]);
  });

  it('refuses a non-Bearer token type', async () => {
    const h = await setup();
    const mac = h.provider({
      fetch: tapFetch(
        () => {},
        async (_url, res) => rewriteJson(res, (b) => (b.token_type = 'mac')),
      ),
    });
    expect(await rejection(mac.getToken([SCORE]))).toMatchObject({ code: 'service_token_invalid' });
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
      allowPrivateHosts: LOCAL,
      fetch: fakeFetch,
      now: () => t,
    });
    await tokens.getToken([SCORE]);
    t += 14_000;
    await tokens.getToken([SCORE]);
    expect(calls).toBe(1);
    t += 2_000;
    await tokens.getToken([SCORE]);
    expect(calls).toBe(2);
  });

  it('invalidate(scopes, token) only drops the token it names', async () => {
    const h = await setup();
    const tokens = h.provider();
    const first = await tokens.getToken([SCORE]);
    tokens.invalidate([SCORE], 'some-other-token');
    expect((await tokens.getToken([SCORE])).accessToken).toBe(first.accessToken);
    tokens.invalidate([SCORE], first.accessToken);
    const second = await tokens.getToken([SCORE]);
    expect(second.accessToken).not.toBe(first.accessToken);
    tokens.invalidate([SCORE]);
    expect(tokens.stats()).toMatchObject({ tokenRequests: 2, invalidations: 2 });
  });

  it('refuses bad configuration early', () => {
    const base = { clientId: 'x', tokenUrl: 'https://lms.example/token', signer, userAgent: UA, allowPrivateHosts: LOCAL };
    expect(() => createServiceTokenProvider({ ...base, userAgent: ' ' })).toThrow(/userAgent/);
    expect(() => createServiceTokenProvider({ ...base, clientId: '' })).toThrow(/clientId/);
    expect(() => createServiceTokenProvider({ ...base, tokenUrl: 'not a url' })).toThrow(/tokenUrl/);
    const tokens = createServiceTokenProvider(base);
    expect(() => tokens.invalidate([])).toThrow(/scope/);
  });
});
