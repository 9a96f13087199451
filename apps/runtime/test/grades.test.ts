// Grade passback end to end, over real HTTP: the Grades API → best-of-N → pg-boss queue →
// worker → lms-sim's AGS endpoints, and the launch timeline.
import { retryPassback } from '@tether/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRADE_TEST_ENV, getGrade, gradeEvents, landedLaunch, launchRow, lmsScores, newApiKey, passback, postGrade, SCOPE, waitFor, waitForPassback } from './grades-helpers.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
let key: string;
let url: string;
beforeAll(async () => {
  h = await startHarness({ env: GRADE_TEST_ENV });
  key = await newApiKey(h);
  url = h.runtime.url;
});
afterAll(async () => h?.close());

const grade = (body: Record<string, unknown>) => postGrade(url, key, body);

describe('best-of-N', () => {
  it('60 then 80 then 70: the LMS holds 60 then 80 and never 70; the 70 is skipped', async () => {
    const cid = await landedLaunch(h, { user: { sub: 'best-1' }, resourceLink: { id: 'rl-best', title: 'Best quiz' } });
    const lineItem = (await launchRow(h, cid)).ags_lineitem_url!;
    const t60 = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 123).toISOString();

    const a = await grade({ launch: cid, attemptId: 'best-a1', scorePercent: 60, submittedAt: t60 });
    expect(a).toMatchObject({ status: 202, body: { attemptId: 'best-a1', status: 'queued' } });
    const p60 = await waitForPassback(h, a.body.passbackId, 'sent');
    expect(p60).toMatchObject({ lms_status: 200, score_given: 60, score_maximum: 100, lineitem_url: lineItem, tries: 1 });

    const b = await grade({ launch: cid, attemptId: 'best-a2', scorePercent: 80 });
    expect(b.body.status).toBe('queued');
    await waitForPassback(h, b.body.passbackId, 'sent');

    const c = await grade({ launch: cid, attemptId: 'best-a3', scorePercent: 70 });
    expect(c).toMatchObject({ status: 202, body: { status: 'skipped', reason: 'not better than 80 %' } });
    expect(await passback(h, c.body.passbackId)).toMatchObject({ status: 'skipped', skip_code: 'not_better', job_id: null });

    // Equal is not better either.
    const d = await grade({ launch: cid, attemptId: 'best-a4', scorePercent: 80 });
    expect(d.body).toMatchObject({ status: 'skipped', reason: 'not better than 80 %' });

    await new Promise((r) => setTimeout(r, 600));
    const scores = lmsScores(h, lineItem, 'best-1');
    expect(scores.map((s) => s.scoreGiven)).toEqual([60, 80]);
    expect(scores[0]).toMatchObject({
      userId: 'best-1',
      scoreMaximum: 100,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
      timestamp: t60,
      submission: { submittedAt: t60 },
    });
    expect(scores[1]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const steps = (await gradeEvents(h, cid)).map((e) => e.step);
    expect(steps).toEqual([
      'grade_received',
      'grade_queued',
      'grade_sent',
      'grade_received',
      'grade_queued',
      'grade_sent',
      'grade_received',
      'grade_skipped',
      'grade_received',
      'grade_skipped',
    ]);
    const sent = (await gradeEvents(h, cid)).find((e) => e.step === 'grade_sent')!;
    expect(sent.details).toMatchObject({ lmsStatus: 200, scoreGiven: 60, scoreMaximum: 100 });
    expect((await gradeEvents(h, cid))[0]!.details).toMatchObject({ attemptId: 'best-a1', percent: 60 });

    const status = await getGrade(url, key, 'best-a3');
    expect(status).toMatchObject({ status: 200, body: { attemptId: 'best-a3', launch: cid, status: 'skipped', reason: 'not better than 80 %', scorePercent: 70 } });
    expect((await getGrade(url, key, 'best-a2')).body).toMatchObject({ status: 'sent', scoreGiven: 80, scoreMaximum: 100, lmsStatus: 200, lineItem, error: null });
  });

  it('best-of-N is per learner and per line item', async () => {
    const c1 = await landedLaunch(h, { user: { sub: 'per-1' }, resourceLink: { id: 'rl-per-a' } });
    const c2 = await landedLaunch(h, { user: { sub: 'per-2' }, resourceLink: { id: 'rl-per-a' } });
    const c3 = await landedLaunch(h, { user: { sub: 'per-1' }, resourceLink: { id: 'rl-per-b' } });
    const r1 = await grade({ launch: c1, attemptId: 'per-1', scorePercent: 90 });
    const r2 = await grade({ launch: c2, attemptId: 'per-2', scorePercent: 50 });
    const r3 = await grade({ launch: c3, attemptId: 'per-3', scorePercent: 40 });
    expect([r1.body.status, r2.body.status, r3.body.status]).toEqual(['queued', 'queued', 'queued']);
    for (const r of [r1, r2, r3]) await waitForPassback(h, r.body.passbackId, 'sent');
  });

  it('10 concurrent attempts: one decision each, scores reach the LMS in increasing order, the final one is the max', async () => {
    const cid = await landedLaunch(h, { user: { sub: 'race-1' }, resourceLink: { id: 'rl-race' } });
    const lineItem = (await launchRow(h, cid)).ags_lineitem_url!;
    const percents = [35, 72, 10, 91, 55, 64, 88, 23, 99, 47];
    const answers = await Promise.all(percents.map((p, i) => grade({ launch: cid, attemptId: `race-${i}`, scorePercent: p })));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const ids = answers.map((a) => a.body.passbackId as string);
    const final = await waitFor('all race passbacks settled', async () => {
      const rows = await h.t.db.selectFrom('grade_passbacks').selectAll().where('id', 'in', ids).execute();
      return rows.every((r) => r.status === 'sent' || r.status === 'skipped') ? rows : undefined;
    });
    const given = lmsScores(h, lineItem, 'race-1').map((s) => s.scoreGiven as number);
    expect(given.length).toBeGreaterThanOrEqual(1);
    expect(given.at(-1)).toBe(99);
    for (let i = 1; i < given.length; i++) expect(given[i]!).toBeGreaterThan(given[i - 1]!);
    // Each queued answer was a new best when it was recorded; everything sent was queued.
    const sent = final
      .filter((r) => r.status === 'sent')
      .map((r) => r.score_percent)
      .sort((x, y) => x - y);
    expect(sent).toEqual([...given].sort((x, y) => x - y));
    const timestamps = lmsScores(h, lineItem, 'race-1').map((s) => Date.parse(s.timestamp));
    for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]!).toBeGreaterThan(timestamps[i - 1]!);
    expect((await h.t.db.selectFrom('attempts').select('id').where('attempt_key', 'like', 'race-%').execute()).length).toBe(10);
    const best = await h.t.db.selectFrom('grade_best_scores').selectAll().where('lti_sub', '=', 'race-1').executeTakeFirstOrThrow();
    expect(best).toMatchObject({ best_percent: 99, last_sent_percent: 99, sending_passback_id: null });
  });
});

describe('scaling and line items', () => {
  it.each([
    [100, 80],
    [10, 8],
    [1, 0.8],
  ])('a line item with scoreMaximum %d gets 80 %% as %d', async (max, expected) => {
    const li = h.sim.createLineItem({ label: `Max ${max}`, scoreMaximum: max, resourceLinkId: `rl-max-${max}` });
    const cid = await landedLaunch(h, { user: { sub: `scale-${max}` }, resourceLink: { id: `rl-max-${max}` }, ags: { lineitem: li.id, scope: [SCOPE.lineItem, SCOPE.score] } });
    const r = await grade({ launch: cid, attemptId: `scale-${max}`, scorePercent: 80 });
    const p = await waitForPassback(h, r.body.passbackId, 'sent');
    expect(p).toMatchObject({ score_given: expected, score_maximum: max });
    expect(lmsScores(h, li.id, `scale-${max}`).map((s) => [s.scoreGiven, s.scoreMaximum])).toEqual([[expected, max]]);
  });

  it('a launch with only the line items URL: the line item is created once for the resource link, then reused', async () => {
    const ctx = { id: 'course-container', title: 'Container course' };
    const ags = { lineitems: h.sim.lineItemsUrl(ctx.id), scope: [SCOPE.lineItem, SCOPE.score] };
    const c1 = await landedLaunch(h, { user: { sub: 'cont-1' }, context: ctx, resourceLink: { id: 'rl-cont', title: 'Container quiz' }, ags });
    const c2 = await landedLaunch(h, { user: { sub: 'cont-2' }, context: ctx, resourceLink: { id: 'rl-cont', title: 'Container quiz' }, ags });
    expect((await launchRow(h, c1)).ags_lineitem_url).toBeNull();
    const [r1, r2] = await Promise.all([grade({ launch: c1, attemptId: 'cont-1a', scorePercent: 50 }), grade({ launch: c2, attemptId: 'cont-2a', scorePercent: 75 })]);
    const p1 = await waitForPassback(h, r1.body.passbackId, 'sent');
    const p2 = await waitForPassback(h, r2.body.passbackId, 'sent');
    const r3 = await grade({ launch: c1, attemptId: 'cont-1b', scorePercent: 65 });
    const p3 = await waitForPassback(h, r3.body.passbackId, 'sent');

    const items = h.sim.lineItems(ctx.id).filter((li) => li.resourceLinkId === 'rl-cont');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ label: 'Container quiz', scoreMaximum: 100 });
    expect(new Set([p1.lineitem_url, p2.lineitem_url, p3.lineitem_url])).toEqual(new Set([items[0]!.id]));
    expect(lmsScores(h, items[0]!.id, 'cont-1').map((s) => s.scoreGiven)).toEqual([50, 65]);
    expect(lmsScores(h, items[0]!.id, 'cont-2').map((s) => s.scoreGiven)).toEqual([75]);
    const created = [...(await gradeEvents(h, c1)), ...(await gradeEvents(h, c2))].filter((e) => e.step === 'grade_lineitem_created');
    expect(created).toHaveLength(1);
  });
});

describe('service tokens', () => {
  it('many posts for one platform need one token request', async () => {
    // A scope set no other test uses, so this provider starts with an empty cache.
    const scope = [SCOPE.lineItemReadonly, SCOPE.score];
    const li = h.sim.createLineItem({ label: 'Token quiz', scoreMaximum: 20, resourceLinkId: 'rl-token' });
    const before = h.sim.stats().tokenRequests;
    const cids = [];
    for (let i = 0; i < 6; i++) cids.push(await landedLaunch(h, { user: { sub: `tok-${i}` }, resourceLink: { id: 'rl-token' }, ags: { lineitem: li.id, scope } }));
    const answers = await Promise.all(cids.map((cid, i) => grade({ launch: cid, attemptId: `tok-${i}`, scorePercent: 50 + i })));
    for (const a of answers) await waitForPassback(h, a.body.passbackId, 'sent');
    const more = await grade({ launch: cids[0]!, attemptId: 'tok-0b', scorePercent: 95 });
    await waitForPassback(h, more.body.passbackId, 'sent');
    expect(h.sim.scores(li.id)).toHaveLength(7);
    expect(h.sim.stats().tokenRequests - before).toBe(1);
  });
});

describe('failures', () => {
  it('the LMS answers 503 three times: retried with backoff, delivered exactly once', async () => {
    const cid = await landedLaunch(h, { user: { sub: 'down-1' }, resourceLink: { id: 'rl-down' } });
    const lineItem = (await launchRow(h, cid)).ags_lineitem_url!;
    h.sim.failNext({ path: /\/scores/, status: 503, times: 3 });
    const r = await grade({ launch: cid, attemptId: 'down-1', scorePercent: 77 });
    const retrying = await waitFor('a retry', async () => ((await passback(h, r.body.passbackId)).error_code ? passback(h, r.body.passbackId) : undefined));
    expect(retrying).toMatchObject({ status: 'queued', error_code: 'ags_platform_unavailable', lms_status: 503 });
    expect(retrying.next_attempt_at).not.toBeNull();
    expect((await getGrade(url, key, 'down-1')).body).toMatchObject({ status: 'queued', error: { code: 'ags_platform_unavailable' } });

    const p = await waitForPassback(h, r.body.passbackId, 'sent', 40_000);
    expect(p).toMatchObject({ tries: 4, lms_status: 200, error_code: null, next_attempt_at: null });
    expect(lmsScores(h, lineItem, 'down-1').map((s) => s.scoreGiven)).toEqual([77]);
    const events = await gradeEvents(h, cid);
    const retries = events.filter((e) => e.step === 'grade_retry');
    expect(retries.map((e) => (e.details as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    expect(retries.every((e) => e.error_code === 'ags_platform_unavailable')).toBe(true);
    // Exponential backoff with jitter: try n waits between d·2^(n-1) and d·2^n seconds (d = 1).
    const delays = retries.map((e) => (e.details as { delaySec: number }).delaySec);
    expect(delays[0]).toBeGreaterThanOrEqual(0.5);
    expect(delays[2]).toBeGreaterThanOrEqual(3);
    expect(events.at(-1)).toMatchObject({ step: 'grade_sent' });
  });

  it('a removed line item: failed with ags_lineitem_not_found on the first try, shown in the timeline; a retry posts to the same column and fails the same way', async () => {
    const li = h.sim.createLineItem({ label: 'Doomed', scoreMaximum: 10, resourceLinkId: 'rl-doomed' });
    const cid = await landedLaunch(h, { user: { sub: 'doomed-1' }, resourceLink: { id: 'rl-doomed' }, ags: { lineitem: `${li.id}404`, scope: [SCOPE.lineItem, SCOPE.score] } });
    const r = await grade({ launch: cid, attemptId: 'doomed-1', scorePercent: 90 });
    expect(r.body.status).toBe('queued');
    const p = await waitForPassback(h, r.body.passbackId, 'failed');
    expect(p).toMatchObject({ error_code: 'ags_lineitem_not_found', tries: 1 });
    expect((await gradeEvents(h, cid)).filter((e) => e.step === 'grade_retry')).toHaveLength(0);
    const failed = (await gradeEvents(h, cid)).find((e) => e.step === 'grade_failed')!;
    expect(failed).toMatchObject({ outcome: 'error', error_code: 'ags_lineitem_not_found' });
    // The event stores the code; the explanation comes from the one catalogue, not from the row.
    expect(failed.details).toMatchObject({ code: 'ags_lineitem_not_found' });
    expect(failed.details).not.toHaveProperty('fix');
    expect((await getGrade(url, key, 'doomed-1')).body).toMatchObject({ status: 'failed', error: { code: 'ags_lineitem_not_found' } });

    // The failed 90 % is no longer the best: a later score is compared with what can still be sent.
    const best = await h.t.db.selectFrom('grade_best_scores').selectAll().where('lti_sub', '=', 'doomed-1').executeTakeFirstOrThrow();
    expect(best).toMatchObject({ best_percent: -1, best_passback_id: null, sending_passback_id: null });

    // Why the dashboard offers no Retry here (retryBlockerOf: lineitem_gone): a retry re-sends to the launch's own column.
    const retried = await retryPassback(h.t.db, h.runtime.deps.grades.queue, h.workspaceId, p.id, { actor: 'test' });
    expect(retried).toMatchObject({ ok: true, status: 'queued' });
    h.runtime.deps.grades.wake();
    await waitFor('the retried passback to fail again', async () => {
      const again = await passback(h, p.id);
      return again.status === 'failed' && again.tries === 2 ? again : undefined;
    });
    expect((await gradeEvents(h, cid)).filter((e) => e.step === 'grade_failed')).toHaveLength(2);
    expect(await retryPassback(h.t.db, h.runtime.deps.grades.queue, h.workspaceId, '00000000-0000-0000-0000-000000000000')).toEqual({ ok: false, code: 'not_found' });
  });
});

describe('idempotency', () => {
  it('the same attemptId twice is one attempt, answered 200 with the original result', async () => {
    const cid = await landedLaunch(h, { user: { sub: 'idem-1' }, resourceLink: { id: 'rl-idem' } });
    const lineItem = (await launchRow(h, cid)).ags_lineitem_url!;
    const first = await grade({ launch: cid, attemptId: 'idem-1', scorePercent: 42.5 });
    expect(first.status).toBe(202);
    const second = await grade({ launch: cid, attemptId: 'idem-1', scorePercent: 42.5 });
    expect(second).toMatchObject({ status: 200, body: { attemptId: 'idem-1', passbackId: first.body.passbackId, status: 'queued', duplicate: true } });
    const both = await Promise.all([grade({ launch: cid, attemptId: 'idem-2', scorePercent: 10 }), grade({ launch: cid, attemptId: 'idem-2', scorePercent: 10 })]);
    expect(both.map((b) => b.status).sort()).toEqual([200, 202]);
    expect(both[0]!.body.passbackId).toBe(both[1]!.body.passbackId);
    expect(both.find((b) => b.status === 200)!.body).toMatchObject({ status: 'skipped', reason: 'not better than 42.5 %' });

    await waitForPassback(h, first.body.passbackId, 'sent');
    const third = await grade({ launch: cid, attemptId: 'idem-1', scorePercent: 42.5 });
    expect(third).toMatchObject({ status: 200, body: { status: 'queued', duplicate: true } });
    expect((await h.t.db.selectFrom('attempts').select('id').where('attempt_key', 'in', ['idem-1', 'idem-2']).execute()).length).toBe(2);
    expect(lmsScores(h, lineItem, 'idem-1').map((s) => s.scoreGiven)).toEqual([42.5]);

    const conflict = await grade({ launch: cid, attemptId: 'idem-1', scorePercent: 43 });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'attempt_conflict', fields: { attemptId: expect.any(String) } } } });
  });

  it('a passback that is already sent is a no-op when its job is delivered again', async () => {
    const cid = await landedLaunch(h, { user: { sub: 'redeliver-1' }, resourceLink: { id: 'rl-redeliver' } });
    const lineItem = (await launchRow(h, cid)).ags_lineitem_url!;
    const r = await grade({ launch: cid, attemptId: 'redeliver-1', scorePercent: 66 });
    await waitForPassback(h, r.body.passbackId, 'sent');
    await h.runtime.deps.grades.queue.enqueue(r.body.passbackId);
    h.runtime.deps.grades.wake();
    await new Promise((res) => setTimeout(res, 1500));
    expect(lmsScores(h, lineItem, 'redeliver-1')).toHaveLength(1);
    expect((await passback(h, r.body.passbackId)).tries).toBe(1);
  });
});
