import { describe, expect, it } from 'vitest';
import { AGS_SCOPES, isAgsError } from '../src/index.js';
import { rejection, rewriteJson, score, setup, startServer, tapFetch, UA } from './helpers.js';

describe('service calls: auth, scopes, headers and failures', () => {
  it('on 401 (token revoked/expired) drops the token, gets a new one and retries once', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags, tokens } = h.client();
    await ags.postScore(li.id, score('learner-1'));
    h.sim.revokeTokens();
    await expect(ags.postScore(li.id, score('learner-2'))).resolves.toMatchObject({ status: 200 });
    const statuses = h.sim
      .requestLog()
      .filter((e) => e.path.endsWith('/scores'))
      .map((e) => e.status);
    expect(statuses).toEqual([200, 401, 200]);
    expect(h.sim.stats().tokenRequests).toBe(2);
    expect(tokens.stats().invalidations).toBe(1);
    expect(h.sim.scores(li.id)).toHaveLength(2);
  });

  it('concurrent calls hitting 401 together share a single refresh', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    await ags.postScore(li.id, score('learner-0'));
    h.sim.revokeTokens();
    await Promise.all([1, 2, 3, 4, 5].map((i) => ags.postScore(li.id, score(`learner-${i}`))));
    expect(h.sim.scores(li.id)).toHaveLength(6);
    expect(h.sim.stats().tokenRequests).toBe(2);
  });

  it('a second 401 with a fresh token ⇒ ags_token_rejected, no further retries', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    h.sim.failNext({ path: /\/scores/, status: 401, times: 5, body: { error: 'invalid_token' } });
    const err = await rejection(ags.postScore(li.id, score('learner-1')));
    expect(err).toMatchObject({ code: 'ags_token_rejected', status: 401, retryable: false });
    expect(h.sim.requestLog().filter((e) => e.path.endsWith('/scores'))).toHaveLength(2);
    expect(h.sim.stats().tokenRequests).toBe(2);
  });

  it('refuses up front with ags_scope_missing when the needed scope was not granted', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const container = h.sim.lineItemsUrl('course-1');
    const { ags } = h.client({ grantedScopes: [AGS_SCOPES.lineItemReadonly, AGS_SCOPES.resultReadonly] });
    const noScore = await rejection(ags.postScore(li.id, score('learner-1')));
    expect(noScore.code).toBe('ags_scope_missing');
    expect(noScore.details).toMatchObject({ needed: [AGS_SCOPES.score], reason: 'not_granted' });
    expect((await rejection(ags.createLineItem(container, { label: 'X', scoreMaximum: 1 }))).code).toBe('ags_scope_missing');
    expect(h.sim.requestLog()).toHaveLength(0);
    // Read-only line item access is enough to read.
    await expect(ags.getLineItem(li.id)).resolves.toMatchObject({ id: li.id });
    await expect(ags.listLineItems(container)).resolves.toHaveLength(1);
    const noResults = h.client({ grantedScopes: [AGS_SCOPES.score] }).ags;
    expect((await rejection(noResults.getResults(li.id))).code).toBe('ags_scope_missing');
    expect((await rejection(noResults.getLineItem(li.id))).code).toBe('ags_scope_missing');
  });

  it('requests only the granted AGS scopes at the token endpoint', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const granted = [AGS_SCOPES.score, 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly'];
    const { ags } = h.client({ grantedScopes: granted });
    await ags.postScore(li.id, score('learner-1'));
    expect(h.sim.accessTokens().map((t) => t.scopes)).toEqual([[AGS_SCOPES.score]]);
  });

  it('maps a platform 403 to ags_scope_missing', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    h.sim.failNext({ path: /\/scores/, status: 403, body: { error: 'insufficient_scope' } });
    const err = await rejection(ags.postScore(li.id, score('learner-1')));
    expect(err).toMatchObject({ code: 'ags_scope_missing', status: 403, retryable: false });
    expect(err.details.body).toMatch(/insufficient_scope/);
  });

  it('refuses a call whose scope the platform left out of the token it issued', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const narrow = tapFetch(
      () => {},
      async (url, res) => (url === h.sim.endpoints.token ? rewriteJson(res, (b) => (b.scope = AGS_SCOPES.lineItem)) : res),
    );
    const { ags } = h.client({ provider: { fetch: narrow } });
    const err = await rejection(ags.postScore(li.id, score('learner-1')));
    expect(err.code).toBe('ags_scope_missing');
    expect(err.details.reason).toBe('not_in_token');
    expect(h.sim.requestLog().filter((e) => e.path.startsWith('/ags/'))).toHaveLength(0);
  });

  it('404 on a line item ⇒ ags_lineitem_not_found', async () => {
    const h = await setup();
    const { ags } = h.client();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    await ags.deleteLineItem(li.id);
    for (const call of [() => ags.getLineItem(li.id), () => ags.postScore(li.id, score('learner-1')), () => ags.getResults(li.id)]) {
      const err = await rejection(call());
      expect(err).toMatchObject({ code: 'ags_lineitem_not_found', status: 404, retryable: false });
    }
    expect((await rejection(ags.getLineItem(h.sim.lineItemUrl('course-1', '999')))).code).toBe('ags_lineitem_not_found');
  });

  it('503 ⇒ ags_platform_unavailable, retryable, with Retry-After; the retry then succeeds', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    h.sim.failNext({ path: /\/scores/, status: 503, headers: { 'retry-after': '7' } });
    const err = await rejection(ags.postScore(li.id, score('learner-1')));
    expect(isAgsError(err, 'ags_platform_unavailable')).toBe(true);
    expect(err).toMatchObject({ status: 503, retryable: true });
    expect(err.details.retryAfterSec).toBe(7);
    await expect(ags.postScore(li.id, score('learner-1'))).resolves.toMatchObject({ status: 200 });

    await ags.getLineItem(li.id); // token cached
    h.sim.setDown(true);
    expect(await rejection(ags.getLineItem(li.id))).toMatchObject({ code: 'ags_platform_unavailable', status: 503, retryable: true });
    h.sim.setDown(false);
    h.sim.failNext({ path: /\/lineitems/, status: 429 });
    expect(await rejection(ags.getLineItem(li.id))).toMatchObject({ code: 'ags_platform_unavailable', status: 429, retryable: true });
  });

  it('network failure and timeout ⇒ ags_platform_unavailable, retryable', async () => {
    const h = await setup();
    const { ags } = h.client({ timeoutMs: 150 });
    const hang = await startServer(() => {});
    const err = await rejection(ags.getLineItem(`${hang.url}/ags/course-1/lineitems/1`));
    expect(err).toMatchObject({ code: 'ags_platform_unavailable', retryable: true });
    expect(err.details.reason).toBe('timeout');

    const dead = await startServer(() => {});
    await dead.close();
    const net = await rejection(ags.getLineItem(`${dead.url}/ags/course-1/lineitems/1`));
    expect(net).toMatchObject({ code: 'ags_platform_unavailable', retryable: true });
    expect(net.details.reason).toBe('network');
  });

  it('other 4xx ⇒ ags_request_rejected with the status and a truncated body; redirects are not followed', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    h.sim.failNext({ path: /\/scores/, status: 422, body: { error: 'unprocessable', detail: 'x'.repeat(5000) } });
    const err = await rejection(ags.postScore(li.id, score('learner-1')));
    expect(err).toMatchObject({ code: 'ags_request_rejected', status: 422, retryable: false });
    expect(err.details.body).toMatch(/unprocessable/);
    expect(err.details.body.length).toBeLessThanOrEqual(501);

    h.sim.failNext({ path: /\/lineitems/, status: 302, headers: { location: 'https://elsewhere.example/steal' } });
    const redirect = await rejection(ags.getLineItem(li.id));
    expect(redirect).toMatchObject({ code: 'ags_request_rejected', status: 302 });
    expect(redirect.details.location).toBe('https://elsewhere.example/steal');
  });

  it('canvas: User-Agent on every request, including the token endpoint', async () => {
    const h = await setup({ mode: 'canvas', userAgentRequired: 'strict' });
    const { ags } = h.client();
    const container = h.sim.lineItemsUrl('course-1');
    const { lineItem } = await ags.findOrCreateLineItem(container, { resourceLinkId: 'rl-1', label: 'Quiz', scoreMaximum: 10 });
    await ags.postScore(lineItem.id, score('learner-1'));
    await ags.getResults(lineItem.id);
    const log = h.sim.requestLog();
    expect(log.map((e) => e.path.split('?')[0]!.replace(/\/ags\/course-1/, ''))).toEqual(['/token', '/lineitems', '/lineitems', '/lineitems/1/scores', '/lineitems/1/results']);
    for (const e of log) {
      expect(e.userAgent).toBe(UA);
      expect(e.status).toBeLessThan(300);
    }
  });

  it('sends "Authorization: Bearer" capitalised on every AGS request; blackboard accepts it', async () => {
    const h = await setup({ mode: 'blackboard' });
    const { ags } = h.client();
    const container = h.sim.lineItemsUrl('course-1');
    const li = await ags.createLineItem(container, { label: 'Quiz', scoreMaximum: 10 });
    await ags.listLineItems(container);
    await ags.getLineItem(li.id);
    await ags.postScore(li.id, score('learner-1'));
    await ags.getResults(li.id);
    const agsLog = h.sim.requestLog().filter((e) => e.path.startsWith('/ags/'));
    expect(agsLog).toHaveLength(5);
    for (const e of agsLog) {
      expect(e.authorization).toMatch(/^Bearer at-\S+$/);
      expect(e.status).toBeLessThan(300);
      expect(e.accept).toBeTruthy();
    }
  });
});
