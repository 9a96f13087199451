// The Grades API's answers (401/400/404/409/422), the dashboard's passback queries, and
// grade passback against Moodle's query-string line item URLs.
import { createApiKey, createWorkspace, failureCountsByPlatform, listPassbacks, passbacksForLaunch, retryPassback, revokeApiKey, sql } from '@tether/db';
import { createPgBossPassbackQueue, findOrphanedPassbacks } from '@tether/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRADE_TEST_ENV, getGrade, landedLaunch, launchRow, lmsScores, newApiKey, passback, postGrade, SCOPE, waitFor, waitForPassback } from './grades-helpers.js';
import { type Harness, startHarness } from './harness.js';
import { launch } from './launch-helpers.js';

describe('Grades API answers', () => {
  let h: Harness;
  let key: string;
  let url: string;
  let cid: string;
  beforeAll(async () => {
    h = await startHarness({ env: GRADE_TEST_ENV });
    key = await newApiKey(h);
    url = h.runtime.url;
    cid = await landedLaunch(h, { user: { sub: 'api-1' }, resourceLink: { id: 'rl-api' } });
  });
  afterAll(async () => h?.close());

  it('401 without a key, with a malformed, unknown or revoked key', async () => {
    const body = { launch: cid, attemptId: 'x', scorePercent: 10 };
    const none = await fetch(`${url}/api/v1/grades`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await postGrade(url, 'not-a-key', body)).status).toBe(401);
    expect((await postGrade(url, `tk_000000000000_${'A'.repeat(43)}`, body)).status).toBe(401);
    const basic = await fetch(`${url}/api/v1/grades`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Basic ${key}` } });
    expect(basic.status).toBe(401);
    const revoked = await createApiKey(h.t.db, { workspaceId: h.workspaceId, name: 'old' });
    await revokeApiKey(h.t.db, h.workspaceId, revoked.apiKey.id);
    expect((await postGrade(url, revoked.key, body)).status).toBe(401);
    expect((await getGrade(url, 'nope', 'x')).status).toBe(401);
    expect(await h.t.db.selectFrom('attempts').select('id').execute()).toHaveLength(0);
  });

  it('400 names the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ launch: cid, attemptId: 'a', scorePercent: 120 }, 'scorePercent', /0 to 100/],
      [{ launch: cid, attemptId: 'a', scorePercent: -1 }, 'scorePercent', /0 to 100/],
      [{ launch: cid, attemptId: 'a', scorePercent: '80' }, 'scorePercent', /number/],
      [{ launch: cid, attemptId: 'a' }, 'scorePercent', /required/],
      [{ launch: cid, scorePercent: 50 }, 'attemptId', /required/],
      [{ launch: cid, attemptId: '', scorePercent: 50 }, 'attemptId', /required/],
      [{ launch: cid, attemptId: 'x'.repeat(201), scorePercent: 50 }, 'attemptId', /200/],
      [{ attemptId: 'a', scorePercent: 50 }, 'launch', /required/],
      [{ launch: cid, attemptId: 'a', scorePercent: 50, submittedAt: 'yesterday' }, 'submittedAt', /ISO 8601/],
      [{ launch: cid, attemptId: 'a', scorePercent: 50, submittedAt: '2026-01-01T10:00:00' }, 'submittedAt', /offset/],
      [{ launch: cid, attemptId: 'a', scorePercent: 50, submittedAt: new Date(Date.now() + 3_600_000).toISOString() }, 'submittedAt', /future/],
    ];
    for (const [body, field, re] of cases) {
      const r = await postGrade(url, key, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
      expect(r.body.error.fields[field], JSON.stringify(body)).toMatch(re);
      expect(r.body.error.message).toContain(field);
    }
    const notJson = await postGrade(url, key, '{"launch":', true);
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', fields: { body: expect.any(String) } } } });
    expect((await postGrade(url, key, '[1,2]', true)).status).toBe(400);
    expect(await h.t.db.selectFrom('attempts').select('id').execute()).toHaveLength(0);
  });

  it('404 for an unknown launch, or a launch of another workspace; accepts the launch UUID too', async () => {
    const unknown = await postGrade(url, key, { launch: '00000000-0000-0000-0000-000000000000', attemptId: 'a', scorePercent: 5 });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'launch_not_found' } } });
    expect((await postGrade(url, key, { launch: 'no-such-launch', attemptId: 'a', scorePercent: 5 })).status).toBe(404);
    const other = await createWorkspace(h.t.db, { slug: 'other-ws', name: 'Other' });
    const otherKey = (await createApiKey(h.t.db, { workspaceId: other.id, name: 'other' })).key;
    expect((await postGrade(url, otherKey, { launch: cid, attemptId: 'a', scorePercent: 5 })).status).toBe(404);

    const byId = await postGrade(url, key, { launch: (await launchRow(h, cid)).id, attemptId: 'by-uuid', scorePercent: 5 });
    expect(byId).toMatchObject({ status: 202, body: { status: 'queued' } });
    // Attempt IDs are per workspace: the other workspace's key cannot see it.
    expect((await getGrade(url, otherKey, 'by-uuid')).status).toBe(404);
    expect((await getGrade(url, key, 'by-uuid')).body).toMatchObject({ attemptId: 'by-uuid', launch: cid });
    expect((await getGrade(url, key, 'never-reported')).body.error.code).toBe('attempt_not_found');
    await waitForPassback(h, byId.body.passbackId, 'sent');
    // A correlation ID is one ID in any letter case (as pasted from an upper-casing log viewer).
    const upper = await postGrade(url, key, { launch: cid.toUpperCase(), attemptId: 'by-upper-cid', scorePercent: 6 });
    expect(upper).toMatchObject({ status: 202 });
    expect((await getGrade(url, key, 'by-upper-cid')).body).toMatchObject({ launch: cid });
    await waitForPassback(h, upper.body.passbackId, 'sent');
  });

  it('409 for a launch that did not land; 422 for one without AGS', async () => {
    const failed = await launch(h, { user: { sub: 'api-2' }, custom: { scenario_id: 'no-such-scenario' } });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const r = await postGrade(url, key, { launch: failed.correlationId, attemptId: 'nl', scorePercent: 5 });
    expect(r).toMatchObject({ status: 409, body: { error: { code: 'launch_not_landed' } } });

    const noAgs = await landedLaunch(h, { user: { sub: 'api-3' }, ags: false });
    const r2 = await postGrade(url, key, { launch: noAgs, attemptId: 'na', scorePercent: 5 });
    expect(r2).toMatchObject({ status: 422, body: { error: { code: 'ags_not_available' } } });
    expect(await h.t.db.selectFrom('attempts').select('attempt_key').where('attempt_key', 'in', ['nl', 'na']).execute()).toHaveLength(0);
  });

  describe('422 ags_not_available: a launch that cannot carry a grade is refused, and nothing is written', () => {
    /** Posts a grade for the launch; returns the answer after checking that no attempt, passback or timeline event was written. */
    async function refused(cid: string, attemptId: string) {
      const events = async () => (await h.t.db.selectFrom('launch_events').select('id').where('correlation_id', '=', cid).execute()).length;
      const before = await events();
      const r = await postGrade(url, key, { launch: cid, attemptId, scorePercent: 70 });
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: 'ags_not_available', fields: { launch: 'cannot carry a grade' } });
      expect(await h.t.db.selectFrom('attempts').select('id').where('attempt_key', '=', attemptId).execute()).toHaveLength(0);
      const launchId = (await launchRow(h, cid)).id;
      expect(await h.t.db.selectFrom('grade_passbacks').select('id').where('launch_id', '=', launchId).execute()).toHaveLength(0);
      expect(await events()).toBe(before);
      return r.body.error as { code: string; message: string; reason: string };
    }

    it("an instructor's deep-linking launch (its AGS claim has a line items URL, but there is no resource link)", async () => {
      const dl = await launch(h, { user: { sub: 'teacher-1' }, messageType: 'LtiDeepLinkingRequest', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'] });
      expect(dl.status).toBe(303);
      const row = await launchRow(h, dl.correlationId!);
      expect(row).toMatchObject({ status: 'landed', message_type: 'LtiDeepLinkingRequest', resource_link_id: null });
      expect(row.ags_lineitems_url).not.toBeNull();
      const e = await refused(dl.correlationId!, 'dl-1');
      expect(e.reason).toBe('not_resource_link');
      expect(e.message).toMatch(/deep-linking launch/);
    });

    it('a launch whose AGS claim does not grant the score scope', async () => {
      const li = h.sim.createLineItem({ label: 'No score scope', scoreMaximum: 10, resourceLinkId: 'rl-noscope' });
      const cid = await landedLaunch(h, { user: { sub: 'noscope-1' }, resourceLink: { id: 'rl-noscope' }, ags: { lineitem: li.id, scope: [SCOPE.lineItem] } });
      const e = await refused(cid, 'noscope-1');
      expect(e.reason).toBe('no_score_scope');
      expect(e.message).toMatch(/score scope/);
    });

    it('a launch with only a line items URL and no line item scope to find or create the column', async () => {
      const ctx = { id: 'course-noli' };
      const cid = await landedLaunch(h, {
        user: { sub: 'noli-1' },
        context: ctx,
        resourceLink: { id: 'rl-noli' },
        ags: { lineitems: h.sim.lineItemsUrl(ctx.id), scope: [SCOPE.score] },
      });
      expect((await refused(cid, 'noli-1')).reason).toBe('no_lineitem_scope');
    });

    it('a launch without an AGS claim names why', async () => {
      const cid = await landedLaunch(h, { user: { sub: 'noags-2' }, ags: false });
      const e = await refused(cid, 'noags-2');
      expect(e.reason).toBe('no_ags_endpoint');
      expect(e.message).toMatch(/Assignment and Grade Services/);
    });
  });

  it("dashboard queries: keyset pages, filters, per-platform failure counts, a launch's passbacks", async () => {
    const li = h.sim.createLineItem({ label: 'Dash', scoreMaximum: 10, resourceLinkId: 'rl-dash' });
    // The LMS answers 404 for this launch's line item: every passback fails on its first try.
    const c = await landedLaunch(h, { user: { sub: 'dash-1' }, resourceLink: { id: 'rl-dash' }, ags: { lineitem: `${li.id}404`, scope: [SCOPE.lineItem, SCOPE.score] } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await postGrade(url, key, { launch: c, attemptId: `dash-${i}`, scorePercent: 10 + i * 10 })).body.passbackId);
    for (const id of ids) await waitForPassback(h, id, ['failed', 'skipped']);

    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listPassbacks>> = await listPassbacks(h.t.db, h.workspaceId, { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining(ids));
    const newest = await listPassbacks(h.t.db, h.workspaceId, { limit: 50 });
    expect(newest.items.map((p) => p.id)).toEqual(all);
    expect(newest.items[0]).toMatchObject({ attemptId: 'dash-4', correlationId: c, platformName: 'Sim LMS', ltiSub: 'dash-1', scorePercent: 50 });

    const failed = await listPassbacks(h.t.db, h.workspaceId, { status: 'failed', platformId: h.platform.id, limit: 50 });
    expect(failed.items.length).toBeGreaterThan(0);
    expect(failed.items.every((p) => p.status === 'failed' && p.errorCode === 'ags_lineitem_not_found' && p.retryBlocker === 'lineitem_gone')).toBe(true);
    await expect(listPassbacks(h.t.db, h.workspaceId, { limit: 5, cursor: 'garbage' })).rejects.toThrow(/cursor/);

    const counts = await failureCountsByPlatform(h.t.db, h.workspaceId);
    expect(counts).toEqual([expect.objectContaining({ platformId: h.platform.id, platformName: 'Sim LMS', failed: failed.items.length })]);

    const forLaunch = await passbacksForLaunch(h.t.db, (await launchRow(h, c)).id, { workspaceId: h.workspaceId });
    expect(forLaunch.map((p) => p.attemptId)).toEqual(['dash-0', 'dash-1', 'dash-2', 'dash-3', 'dash-4']);

    // Retry from another process (the dashboard) through the standalone pg-boss queue: the
    // runtime's worker picks the job up by polling.
    const queue = createPgBossPassbackQueue({ connectionString: h.t.url });
    try {
      const target = failed.items[0]!;
      expect(await retryPassback(h.t.db, queue, 'f0000000-0000-0000-0000-000000000000', target.id)).toEqual({ ok: false, code: 'not_found' });
      expect(await retryPassback(h.t.db, queue, h.workspaceId, target.id, { actor: 'user:ada' })).toMatchObject({ ok: true, status: 'queued' });
      expect(await retryPassback(h.t.db, queue, h.workspaceId, target.id)).toEqual({ ok: false, code: 'not_failed', status: 'queued' });
      await waitFor('the retried passback to fail again', async () => {
        const p = await passback(h, target.id);
        return p.status === 'failed' && p.tries === 2;
      });
      const audit = await h.t.db.selectFrom('audit_log').selectAll().where('action', '=', 'passback.retry').execute();
      expect(audit).toEqual([expect.objectContaining({ actor: 'user:ada', target_id: target.id })]);
    } finally {
      await queue.close();
    }
  });

  it('a queued passback whose job is gone is found by the reconcile query', async () => {
    const c = await landedLaunch(h, { user: { sub: 'orphan-1' }, resourceLink: { id: 'rl-orphan' } });
    const r = await postGrade(url, key, { launch: c, attemptId: 'orphan-1', scorePercent: 12 });
    await waitForPassback(h, r.body.passbackId, 'sent');
    expect(await findOrphanedPassbacks(h.t.db)).toEqual([]);
    // Pretend it was never delivered and its job vanished a while ago.
    await h.t.db
      .updateTable('grade_passbacks')
      .set({ status: 'queued', job_id: 'b0000000-0000-0000-0000-000000000000', updated_at: sql`now() - interval '10 minutes'` })
      .where('id', '=', r.body.passbackId)
      .execute();
    expect(await findOrphanedPassbacks(h.t.db)).toEqual([{ id: r.body.passbackId, jobState: null }]);
    await h.t.db.updateTable('grade_passbacks').set({ status: 'sent' }).where('id', '=', r.body.passbackId).execute();
  });
});

describe('Moodle: line item URLs with a query string', () => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await startHarness({ mode: 'moodle', env: GRADE_TEST_ENV });
    key = await newApiKey(h);
  });
  afterAll(async () => h?.close());

  it('posts to …/lineitem/scores?type_id=1 and scales to the line item maximum', async () => {
    const cid = await landedLaunch(h, { user: { sub: 'moodle-1' }, resourceLink: { id: 'rl-moodle' } });
    const lineItem = (await launchRow(h, cid)).ags_lineitem_url!;
    expect(lineItem).toMatch(/\?type_id=1$/);
    const r = await postGrade(h.runtime.url, key, { launch: cid, attemptId: 'm-1', scorePercent: 80 });
    const p = await waitForPassback(h, r.body.passbackId, 'sent');
    expect(p).toMatchObject({ lms_status: 200, score_given: 80 });
    expect(lmsScores(h, lineItem, 'moodle-1').map((s) => s.scoreGiven)).toEqual([80]);
    expect(h.sim.requestLog().some((e) => e.method === 'POST' && /\/lineitem\/scores\?type_id=1$/.test(e.path))).toBe(true);
  });

  it('with only the line items URL: finds or creates the line item in the query-string container', async () => {
    const ctx = { id: 'moodle-course-2' };
    const ags = { lineitems: h.sim.lineItemsUrl(ctx.id), scope: [SCOPE.lineItem, SCOPE.score] };
    expect(ags.lineitems).toMatch(/\?type_id=1$/);
    const cid = await landedLaunch(h, { user: { sub: 'moodle-2' }, context: ctx, resourceLink: { id: 'rl-moodle-2', title: 'Moodle quiz' }, ags });
    const r = await postGrade(h.runtime.url, key, { launch: cid, attemptId: 'm-2', scorePercent: 55 });
    const p = await waitForPassback(h, r.body.passbackId, 'sent');
    const items = h.sim.lineItems(ctx.id);
    expect(items).toHaveLength(1);
    expect(p.lineitem_url).toBe(items[0]!.id);
    expect(lmsScores(h, items[0]!.id, 'moodle-2').map((s) => s.scoreGiven)).toEqual([55]);
  });
});
