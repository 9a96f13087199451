// The process-wide service connector (one token per registration and scope set, whoever asks)
// and the one authorised request (Bearer, 401 → fresh token → one retry).
import { describe, expect, it } from 'vitest';
import { type AccessTokenSource, authorisedRequest, createServiceConnector, fetchMemberships, NRPS_SCOPE } from '../src/index.js';
import { LOCAL, rejection, SCORE, setup, signer, UA } from './service-helpers.js';

const SCORE_MEDIA_TYPE = 'application/vnd.ims.lis.v1.score+json';

describe('service connector', () => {
  it('gives every caller of a registration the same token per scope set; deployments share it, other clients do not', async () => {
    const h = await setup();
    h.registerClient('tenant-b');
    const connector = createServiceConnector({ signer, userAgent: UA, allowPrivateHosts: LOCAL });
    const reg = { clientId: h.sim.clientId, tokenUrl: h.sim.endpoints.token };
    // Two callers (a grade worker and a roster worker, say) each asking for the registration.
    const a = await connector.tokens(reg).getToken([SCORE]);
    const b = await connector.tokens({ ...reg }).getToken([SCORE]);
    const otherDeployment = await connector.tokens({ ...reg, deploymentId: 'dep-2' }).getToken([SCORE]);
    expect(b.accessToken).toBe(a.accessToken);
    expect(otherDeployment.accessToken).toBe(a.accessToken);
    expect(h.sim.stats().tokenRequests).toBe(1);

    const tenantB = await connector.tokens({ ...reg, clientId: 'tenant-b' }).getToken([SCORE]);
    const nrps = await connector.tokens(reg).getToken([NRPS_SCOPE]);
    expect(new Set([a.accessToken, tenantB.accessToken, nrps.accessToken]).size).toBe(3);
    expect(h.sim.stats().tokenRequests).toBe(3);
    expect(connector.stats()).toMatchObject({ tokenRequests: 3, cacheHits: 2, registrations: 3, cachedTokens: 3 });
  });

  it('serves NRPS through the same tokens, from the token endpoint to the last page', async () => {
    const h = await setup({ pageSize: 2 });
    h.sim.setRoster(
      'course-1',
      [1, 2, 3].map((i) => ({ user_id: `u${i}`, roles: ['Learner'] })),
    );
    const connector = createServiceConnector({ signer, userAgent: UA, allowPrivateHosts: LOCAL });
    const tokens = connector.tokens({ clientId: h.sim.clientId, tokenUrl: h.sim.endpoints.token, deploymentId: h.sim.deploymentId });
    const first = await fetchMemberships(h.sim.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL });
    const again = await fetchMemberships(h.sim.membershipsUrl('course-1'), {
      tokens: connector.tokens({ clientId: h.sim.clientId, tokenUrl: h.sim.endpoints.token }),
      userAgent: UA,
      allowPrivateHosts: LOCAL,
    });
    expect(first.members.map((m) => m.userId)).toEqual(['u1', 'u2', 'u3']);
    expect(again.pages).toBe(2);
    expect(h.sim.stats().tokenRequests).toBe(1);
  });

  it('a token endpoint refusal surfaces from NRPS as nrps_token_rejected, an outage as retryable nrps_unavailable', async () => {
    const h = await setup();
    h.sim.setRoster('course-1', [{ user_id: 'u1', roles: ['Learner'] }]);
    const connector = createServiceConnector({ signer, userAgent: UA, allowPrivateHosts: LOCAL });
    const nobody = connector.tokens({ clientId: 'nobody', tokenUrl: h.sim.endpoints.token });
    const refused = await rejection(fetchMemberships(h.sim.membershipsUrl('course-1'), { tokens: nobody, userAgent: UA, allowPrivateHosts: LOCAL }));
    expect(refused).toMatchObject({ code: 'nrps_token_rejected', status: 401, retryable: false, details: { reason: 'token', error: 'invalid_client' } });

    h.sim.failNext({ path: /^\/token/, status: 503 });
    const tokens = connector.tokens({ clientId: h.sim.clientId, tokenUrl: h.sim.endpoints.token });
    const down = await rejection(fetchMemberships(h.sim.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL }));
    expect(down).toMatchObject({ code: 'nrps_unavailable', status: 503, retryable: true });
  });
});

describe('authorisedRequest', () => {
  /** Tokens the sim issues directly (skipping the token endpoint), recording invalidations. */
  function simTokens(h: Awaited<ReturnType<typeof setup>>, bogus = false) {
    let current: string | null = null;
    let n = 0;
    const invalidated: (string | undefined)[] = [];
    const tokens: AccessTokenSource = {
      async getToken(scopes) {
        n++;
        if (bogus) return { accessToken: `bogus-${n}`, scopes };
        current ??= h.sim.issueAccessToken({ scopes });
        return { accessToken: current, scopes };
      },
      invalidate(_scopes, accessToken) {
        invalidated.push(accessToken);
        if (accessToken === undefined || accessToken === current) current = null;
      },
    };
    return { tokens, invalidated, gets: () => n };
  }

  const post = (h: Awaited<ReturnType<typeof setup>>, tokens: AccessTokenSource, userId: string, checkToken?: (t: { scopes?: readonly string[] }) => void) => {
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    return authorisedRequest(
      { tokens, scopes: [SCORE], userAgent: UA, allowPrivateHosts: LOCAL, ...(checkToken ? { checkToken } : {}) },
      {
        method: 'POST',
        url: `${li.id}/scores`,
        accept: 'application/json',
        contentType: SCORE_MEDIA_TYPE,
        body: JSON.stringify({ userId, scoreGiven: 1, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() }),
      },
    );
  };

  it('sends Bearer, Accept, Content-Type and User-Agent', async () => {
    const h = await setup();
    const t = simTokens(h);
    const res = await post(h, t.tokens, 'u1');
    expect(res.status).toBe(200);
    const [entry] = h.sim.requestLog().filter((e) => e.path.endsWith('/scores'));
    expect(entry!.authorization).toMatch(/^Bearer \S+$/);
    expect(entry!.userAgent).toBe(UA);
  });

  it('on 401 drops the token it used, gets a fresh one and sends once more', async () => {
    const h = await setup();
    const t = simTokens(h);
    await post(h, t.tokens, 'u1');
    h.sim.revokeTokens();
    const res = await post(h, t.tokens, 'u2');
    expect(res.status).toBe(200);
    expect(t.invalidated).toHaveLength(1);
    expect(
      h.sim
        .requestLog()
        .filter((e) => e.path.endsWith('/scores'))
        .map((e) => e.status),
    ).toEqual([200, 401, 200]);
  });

  it('answers the second 401 as is, without a third attempt', async () => {
    const h = await setup();
    const t = simTokens(h, true);
    const res = await post(h, t.tokens, 'u1');
    expect(res.status).toBe(401);
    expect(t.invalidated).toEqual(['bogus-1']);
    expect(t.gets()).toBe(2);
  });

  it('checkToken refuses before anything is sent', async () => {
    const h = await setup();
    const t = simTokens(h);
    const refusal = new Error('scope not in token');
    await expect(
      post(h, t.tokens, 'u1', () => {
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(h.sim.requestLog().filter((e) => e.path.endsWith('/scores'))).toHaveLength(0);
  });
});
