import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLAIM, CLIENT_ASSERTION_TYPE, MEDIA, parseAutoPostForm, SCOPE } from '../src/index.js';
import { loginAndAuth, setup } from './helpers.js';

const UA = { 'user-agent': 'tether-test/1.0' };

function scoreBody(overrides: Record<string, unknown> = {}) {
  return {
    userId: 'sim-learner-1',
    scoreGiven: 8,
    scoreMaximum: 10,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: new Date().toISOString(),
    ...overrides,
  };
}

function postScore(url: string, token: string, body: unknown, contentType: string = MEDIA.score) {
  const u = new URL(url);
  u.pathname = `${u.pathname}/scores`;
  return fetch(u, {
    method: 'POST',
    headers: { ...UA, authorization: `Bearer ${token}`, 'content-type': contentType },
    body: JSON.stringify(body),
  });
}

describe('AGS', () => {
  it('launch line item accepts a score via a token from the token endpoint', async () => {
    const { sim, tool } = await setup();
    const init = sim.loginInitiation();
    const assertion = await tool.assertion({ clientId: sim.clientId, aud: sim.endpoints.token });
    const tokenRes = await fetch(sim.endpoints.token, {
      method: 'POST',
      headers: { ...UA, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
        scope: SCOPE.score,
      }),
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const res = await postScore(init.lineItemUrl!, access_token, scoreBody());
    expect(res.status).toBe(200);
    const [s] = sim.scores(init.lineItemUrl!);
    expect(s!.score).toMatchObject({ userId: 'sim-learner-1', scoreGiven: 8 });
    expect(s!.clientId).toBe(sim.clientId);
    expect(sim.stats().scoresAccepted).toBe(1);
  });

  it('enforces the score Content-Type (415)', async () => {
    const { sim } = await setup();
    const li = sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const token = sim.issueAccessToken({ scopes: [SCOPE.score] });
    for (const ct of [MEDIA.lineItem, 'application/json']) {
      const res = await postScore(li.id, token, scoreBody(), ct);
      expect(res.status).toBe(415);
    }
    expect((await postScore(li.id, token, scoreBody(), `${MEDIA.score}; charset=utf-8`)).status).toBe(200);
  });

  it('enforces the bearer token and its scope (401 / 403)', async () => {
    const { sim } = await setup();
    const li = sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const none = await fetch(`${li.id}/scores`, { method: 'POST', headers: { 'content-type': MEDIA.score }, body: '{}' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await postScore(li.id, 'made-up', scoreBody())).status).toBe(401);
    const readOnly = sim.issueAccessToken({ scopes: [SCOPE.resultReadonly] });
    const res = await postScore(li.id, readOnly, scoreBody());
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('insufficient_scope');
    sim.revokeTokens();
    const tok = sim.issueAccessToken({ scopes: [SCOPE.score] });
    expect((await postScore(li.id, tok, scoreBody())).status).toBe(200);
    sim.revokeTokens();
    expect((await postScore(li.id, tok, scoreBody({ timestamp: new Date(Date.now() + 5).toISOString() }))).status).toBe(401);
  });

  it('validates score bodies', async () => {
    const { sim } = await setup();
    const li = sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const token = sim.issueAccessToken();
    const cases = [
      scoreBody({ scoreMaximum: undefined }),
      scoreBody({ scoreGiven: -1 }),
      scoreBody({ activityProgress: 'Done' }),
      scoreBody({ gradingProgress: 'Graded' }),
      scoreBody({ timestamp: 'yesterday' }),
      scoreBody({ userId: '' }),
    ];
    for (const body of cases) {
      const res = await postScore(li.id, token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('rejects a score older than the last one for that user, keeps the latest', async () => {
    const { sim } = await setup();
    const li = sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const token = sim.issueAccessToken();
    const t1 = '2026-01-01T10:00:00.500Z';
    const t0 = '2026-01-01T10:00:00.499Z';
    expect((await postScore(li.id, token, scoreBody({ timestamp: t1, scoreGiven: 9 }))).status).toBe(200);
    const older = await postScore(li.id, token, scoreBody({ timestamp: t0, scoreGiven: 3 }));
    expect(older.status).toBe(400);
    expect(((await older.json()) as { error_description: string }).error_description).toMatch(/older/);
    // same timestamp, identical body → idempotent; same timestamp, different body → rejected
    expect((await postScore(li.id, token, scoreBody({ timestamp: t1, scoreGiven: 9 }))).status).toBe(200);
    expect((await postScore(li.id, token, scoreBody({ timestamp: t1, scoreGiven: 4 }))).status).toBe(400);
    // other user unaffected
    expect((await postScore(li.id, token, scoreBody({ timestamp: t0, userId: 'u2' }))).status).toBe(200);
    expect(sim.latestScores(li.id).find((s) => s.score.userId === 'sim-learner-1')!.score.scoreGiven).toBe(9);
    expect(sim.scores(li.id)).toHaveLength(2);
  });

  it('moodle mode: line item ids carry ?type_id=1; /scores goes before the query', async () => {
    const { sim } = await setup({ mode: 'moodle' });
    const { body } = await loginAndAuth(sim);
    const ags = decodeJwt(parseAutoPostForm(body).fields.id_token!)[CLAIM.ags] as { lineitem: string; lineitems: string };
    const token = sim.issueAccessToken();
    const u = new URL(ags.lineitem);
    expect(u.search).toBe('?type_id=1');

    // right: path + /scores, query kept
    expect((await postScore(ags.lineitem, token, scoreBody())).status).toBe(200);
    // wrong: /scores appended after the query string
    const naive = await fetch(`${ags.lineitem}/scores`, {
      method: 'POST',
      headers: { ...UA, authorization: `Bearer ${token}`, 'content-type': MEDIA.score },
      body: JSON.stringify(scoreBody({ timestamp: new Date(Date.now() + 10).toISOString() })),
    });
    expect(naive.status).toBe(400);
    // wrong: query dropped
    const dropped = new URL(ags.lineitem);
    dropped.search = '';
    expect((await postScore(dropped.toString(), token, scoreBody({ timestamp: new Date(Date.now() + 20).toISOString() }))).status).toBe(400);

    // GET the line item and the container keep the query form
    const li = await fetch(ags.lineitem, { headers: { ...UA, authorization: `Bearer ${token}`, accept: MEDIA.lineItem } });
    expect(li.status).toBe(200);
    expect(((await li.json()) as { id: string }).id).toBe(ags.lineitem);
    const container = await fetch(ags.lineitems, { headers: { ...UA, authorization: `Bearer ${token}` } });
    expect(container.headers.get('content-type')).toBe(MEDIA.lineItemContainer);
    expect(((await container.json()) as Array<{ id: string }>)[0]!.id).toBe(ags.lineitem);
  });

  it('failNext injects failures (503 twice) and setDown takes the LMS down', async () => {
    const { sim } = await setup();
    const li = sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const token = sim.issueAccessToken();
    sim.failNext({ path: /\/scores/, status: 503, times: 2 });
    expect((await postScore(li.id, token, scoreBody())).status).toBe(503);
    expect((await postScore(li.id, token, scoreBody())).status).toBe(503);
    expect(sim.scores()).toHaveLength(0);
    expect((await postScore(li.id, token, scoreBody())).status).toBe(200);
    sim.setDown(true);
    expect((await fetch(sim.endpoints.jwks)).status).toBe(503);
    sim.setDown(false);
    expect((await fetch(sim.endpoints.jwks)).status).toBe(200);
    sim.failNext({ status: 429, headers: { 'retry-after': '2' } });
    const limited = await fetch(sim.endpoints.jwks);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
  });

  it('line item CRUD, filters and paging', async () => {
    const { sim } = await setup();
    const token = sim.issueAccessToken();
    const container = `${sim.url}/ags/course-9/lineitems`;
    const headers = { ...UA, authorization: `Bearer ${token}`, 'content-type': MEDIA.lineItem };
    const wrongCt = await fetch(container, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    expect(wrongCt.status).toBe(415);
    const invalid = await fetch(container, { method: 'POST', headers, body: JSON.stringify({ label: 'x', scoreMaximum: 0 }) });
    expect(invalid.status).toBe(400);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(container, {
        method: 'POST',
        headers,
        body: JSON.stringify({ label: `Item ${i}`, scoreMaximum: 10, tag: i % 2 ? 'odd' : 'even', resourceId: `r${i}` }),
      });
      expect(res.status).toBe(201);
    }
    const page1 = await fetch(`${container}?limit=2`, { headers });
    expect(((await page1.json()) as unknown[]).length).toBe(2);
    const next = /<([^>]+)>;\s*rel="next"/.exec(page1.headers.get('link') ?? '')?.[1];
    expect(next).toBeTruthy();
    const page2 = await fetch(next!, { headers });
    expect(((await page2.json()) as Array<{ label: string }>).map((l) => l.label)).toEqual(['Item 2', 'Item 3']);
    const odd = (await (await fetch(`${container}?tag=odd`, { headers })).json()) as unknown[];
    expect(odd).toHaveLength(2);
    const r3 = (await (await fetch(`${container}?resource_id=r3`, { headers })).json()) as Array<{ id: string }>;
    expect(r3).toHaveLength(1);
    const put = await fetch(r3[0]!.id, { method: 'PUT', headers, body: JSON.stringify({ label: 'Renamed', scoreMaximum: 20 }) });
    expect(((await put.json()) as { label: string }).label).toBe('Renamed');
    expect((await fetch(r3[0]!.id, { method: 'DELETE', headers })).status).toBe(204);
    expect((await fetch(r3[0]!.id, { headers })).status).toBe(404);
    expect(sim.lineItems('course-9')).toHaveLength(4);
  });

  it('results reflect the latest score, scaled to the line item maximum', async () => {
    const { sim } = await setup();
    const li = sim.createLineItem({ label: 'Quiz', scoreMaximum: 50 });
    const token = sim.issueAccessToken();
    await postScore(li.id, token, scoreBody({ scoreGiven: 4, scoreMaximum: 10, comment: 'ok' }));
    const res = await fetch(`${li.id}/results`, { headers: { ...UA, authorization: `Bearer ${token}` } });
    expect(res.headers.get('content-type')).toBe(MEDIA.resultContainer);
    const [r] = (await res.json()) as Array<Record<string, unknown>>;
    expect(r).toMatchObject({ userId: 'sim-learner-1', resultScore: 20, resultMaximum: 50, scoreOf: li.id, comment: 'ok' });
  });

  it('blackboard mode insists on the capitalised Bearer scheme; brightspace rejects over-maximum', async () => {
    const bb = await setup({ mode: 'blackboard' });
    const li = bb.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const token = bb.sim.issueAccessToken();
    const lower = await fetch(`${li.id}/scores`, {
      method: 'POST',
      headers: { ...UA, authorization: `bearer ${token}`, 'content-type': MEDIA.score },
      body: JSON.stringify(scoreBody()),
    });
    expect(lower.status).toBe(401);
    const d2l = await setup({ mode: 'brightspace' });
    const li2 = d2l.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const res = await postScore(li2.id, d2l.sim.issueAccessToken(), scoreBody({ scoreGiven: 11 }));
    expect(res.status).toBe(400);
  });
});
