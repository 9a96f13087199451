// Service tokens as the AGS client uses them. The provider itself (assertion, caching, token
// endpoint failures in its own codes) is tested in packages/lti/test/service-tokens.test.ts.
import { BRIGHTSPACE_TOKEN_AUDIENCE } from '@tether/lms-sim';
import { type CachedServiceToken, createServiceTokenProvider } from '@tether/lti';
import { describe, expect, it } from 'vitest';
import { AGS_SCOPES } from '../src/index.js';
import { LOCAL, rejection, rewriteJson, score, setup, signer, startServer, tapFetch, UA } from './helpers.js';

describe('service tokens through the AGS client', () => {
  it('uses one token request for 20 sequential score posts', async () => {
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

  it('keys the cache by token URL, client_id and scope set: two clients sharing a token URL and a cache never share a token', async () => {
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

  it('brightspace: works with the audience override; with the token URL as audience the post fails as ags_token_rejected', async () => {
    const h = await setup({ mode: 'brightspace' });
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });

    const err = await rejection(h.client().ags.postScore(li.id, score('learner-0')));
    expect(err.code).toBe('ags_token_rejected');
    expect(err.status).toBe(401);
    expect(err.retryable).toBe(false);
    expect(err.details.error).toBe('invalid_client');
    expect(err.details.error_description).toMatch(/aud/);
    expect(h.sim.assertions()[0]!.claims.aud).toBe(h.sim.endpoints.token);
    expect(h.sim.requestLog().filter((e) => e.path.endsWith('/scores'))).toHaveLength(0);

    const { ags } = h.client({ provider: { audience: BRIGHTSPACE_TOKEN_AUDIENCE } });
    await expect(ags.postScore(li.id, score('learner-1'))).resolves.toMatchObject({ status: 200 });
    expect(h.sim.assertions()[1]).toMatchObject({ rejected: null, claims: { aud: BRIGHTSPACE_TOKEN_AUDIENCE } });
  });

  it('accepts token_type "bearer" in any case and still sends "Bearer"', async () => {
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

    const mac = h.client({
      provider: {
        fetch: tapFetch(
          () => {},
          async (_url, res) => rewriteJson(res, (b) => (b.token_type = 'mac')),
        ),
      },
    });
    const err = await rejection(mac.ags.postScore(li.id, score('u-mac')));
    expect(err.code).toBe('ags_invalid_response');
  });

  it('token endpoint failures surface in AGS codes: refusal ⇒ ags_token_rejected, outage or network ⇒ retryable ags_platform_unavailable', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    h.registerClient('score-only', [AGS_SCOPES.score]);
    const refused = await rejection(h.client({ provider: { clientId: 'score-only' } }).ags.getLineItem(li.id));
    expect(refused).toMatchObject({ code: 'ags_token_rejected', status: 400, retryable: false, details: { error: 'invalid_scope', clientId: 'score-only' } });
    expect(JSON.stringify(refused.details)).not.toMatch(/eyJ/);

    h.sim.failNext({ path: /^\/token/, status: 503, headers: { 'retry-after': '3' } });
    const down = await rejection(h.client().ags.postScore(li.id, score('learner-1')));
    expect(down).toMatchObject({ code: 'ags_platform_unavailable', status: 503, retryable: true, details: { retryAfterSec: 3 } });

    const dead = await startServer(() => {});
    await dead.close();
    const offline = h.client({ tokens: createServiceTokenProvider({ clientId: 'x', tokenUrl: `${dead.url}/token`, signer, userAgent: UA, allowPrivateHosts: LOCAL }) });
    const net = await rejection(offline.ags.postScore(li.id, score('learner-1')));
    expect(net).toMatchObject({ code: 'ags_platform_unavailable', retryable: true, details: { reason: 'network' } });
  });
});
