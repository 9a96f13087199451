import { DEFAULT_AGS_SCOPES } from '@tether/lms-sim';
import { createServiceTokenProvider } from '@tether/lti';
import { describe, expect, it } from 'vitest';
import { AGS_MEDIA_TYPES, AGS_SCOPES, createAgsClient, scaleScore } from '../src/index.js';
import { LOCAL, rejection, score, setup, signer, UA } from './helpers.js';

const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('postScore', () => {
  it('moodle: inserts /scores into the path before ?type_id=1', async () => {
    const h = await setup({ mode: 'moodle' });
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    expect(li.id).toMatch(/\/lineitem\?type_id=1$/);
    const { ags } = h.client();
    await expect(ags.postScore(li.id, score('learner-1'))).resolves.toMatchObject({ status: 200 });
    const post = h.sim.requestLog().find((e) => e.method === 'POST' && e.path.includes('/scores'));
    expect(post?.path).toBe(`${new URL(li.id).pathname}/scores?type_id=1`);
    expect(post?.status).toBe(200);
    expect(h.sim.scores(li.id)).toHaveLength(1);
  });

  it('sends Content-Type application/vnd.ims.lis.v1.score+json, which strict Moodle requires', async () => {
    const h = await setup({ mode: 'moodle' });
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    await ags.postScore(li.id, score('learner-1'));
    const post = h.sim.requestLog().find((e) => e.path.includes('/scores'));
    expect(post?.contentType).toBe(AGS_MEDIA_TYPES.score);
    expect(post?.status).toBe(200);
  });

  it('scales a percentage into line items with maxima 100, 10 and 1', async () => {
    const h = await setup();
    const { ags } = h.client();
    for (const max of [100, 10, 1]) {
      const li = h.sim.createLineItem({ label: `Max ${max}`, scoreMaximum: max });
      await ags.postScore(li.id, score('learner-1', { scoreGiven: scaleScore(80, max), scoreMaximum: max }));
      const [recorded] = h.sim.scores(li.id);
      expect(recorded!.score).toMatchObject({ scoreGiven: 0.8 * max, scoreMaximum: max });
      const [result] = await ags.getResults(li.id, { userId: 'learner-1' });
      expect(result).toMatchObject({ userId: 'learner-1', resultScore: 0.8 * max, resultMaximum: max });
    }
  });

  it('stamps back-to-back scores with strictly increasing UTC millisecond timestamps', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    const sent: string[] = [];
    for (let i = 0; i < 10; i++) sent.push((await ags.postScore(li.id, score('learner-1', { scoreGiven: i }))).timestamp);
    const recorded = h.sim.scores(li.id).map((s) => s.score.timestamp);
    // The sim refuses an older or equal-but-different timestamp, so all ten being recorded is the proof.
    expect(recorded).toEqual(sent);
    for (const ts of recorded) expect(ts).toMatch(ISO_MS_UTC);
    for (let i = 1; i < recorded.length; i++) expect(Date.parse(recorded[i]!)).toBeGreaterThan(Date.parse(recorded[i - 1]!));
  });

  it('keeps concurrent posts for one learner in order, so the last call is the grade that counts', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    await Promise.all(Array.from({ length: 8 }, (_, i) => ags.postScore(li.id, score('learner-1', { scoreGiven: i }))));
    expect(h.sim.scores(li.id)).toHaveLength(8);
    expect(h.sim.latestScores(li.id)[0]!.score.scoreGiven).toBe(7);
  });

  it('keeps a caller timestamp verbatim (an identical retry stays identical) and stamps later scores after it', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    const future = new Date(Date.now() + 60_000).toISOString();
    const s = score('learner-1', { timestamp: future });
    expect((await ags.postScore(li.id, s)).timestamp).toBe(future);
    await expect(ags.postScore(li.id, s)).resolves.toMatchObject({ status: 200 }); // idempotent retry
    const next = await ags.postScore(li.id, score('learner-1', { scoreGiven: 9 }));
    expect(Date.parse(next.timestamp)).toBeGreaterThan(Date.parse(future));
    expect(h.sim.scores(li.id)).toHaveLength(2);
  });

  it('sends comment, submission and progress-only scores', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    const startedAt = new Date(Date.now() - 60_000);
    await ags.postScore(li.id, {
      userId: 'learner-1',
      activityProgress: 'Started',
      gradingProgress: 'NotReady',
      comment: 'Started the quiz',
      submission: { startedAt },
    });
    const [rec] = h.sim.scores(li.id);
    expect(rec!.score).toMatchObject({
      userId: 'learner-1',
      activityProgress: 'Started',
      gradingProgress: 'NotReady',
      comment: 'Started the quiz',
      submission: { startedAt: startedAt.toISOString() },
    });
    expect(rec!.score.scoreGiven).toBeUndefined();
  });

  it('refuses invalid scores locally, without a token request or any AGS request', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const { ags } = h.client();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ scoreGiven: 5, scoreMaximum: undefined }, 'scoreMaximum'],
      [{ scoreGiven: -1 }, 'scoreGiven'],
      [{ scoreGiven: Number.NaN }, 'scoreGiven'],
      [{ scoreMaximum: 0 }, 'scoreMaximum'],
      [{ activityProgress: 'Done' }, 'activityProgress'],
      [{ gradingProgress: 'Graded' }, 'gradingProgress'],
      [{ userId: '' }, 'userId'],
      [{ timestamp: '2024-05-01 12:00:00' }, 'timestamp'],
      [{ timestamp: '2024-05-01T12:00:00' }, 'timestamp'],
      [{ timestamp: new Date(Number.NaN) }, 'timestamp'],
      [{ extensions: { scoreGiven: 100 } }, 'extensions'],
    ];
    for (const [overrides, field] of cases) {
      const err = await rejection(ags.postScore(li.id, score('learner-1', overrides) as never));
      expect(err.code, JSON.stringify(overrides)).toBe('ags_invalid_score');
      expect(err.details.field).toBe(field);
    }
    expect(h.sim.stats().tokenRequests).toBe(0);
    expect(h.sim.stats().agsRequests).toBe(0);
    expect(h.sim.requestLog()).toHaveLength(0);
  });

  it('posts with nothing but stored registration data and endpoints, long after the launch', async () => {
    const h = await setup();
    const init = h.sim.loginInitiation({ resourceLink: { id: 'rl-essay', title: 'Essay' } });
    // What a tool persists at launch time, then reads back in a background job.
    const stored = JSON.parse(
      JSON.stringify({
        tokenUrl: h.sim.endpoints.token,
        clientId: h.sim.clientId,
        deploymentId: h.sim.deploymentId,
        lineitem: init.lineItemUrl,
        scope: DEFAULT_AGS_SCOPES,
      }),
    ) as { tokenUrl: string; clientId: string; deploymentId: string; lineitem: string; scope: string[] };
    const tokens = createServiceTokenProvider({ ...stored, signer, userAgent: UA, allowPrivateHosts: LOCAL });
    const ags = createAgsClient({ tokens, grantedScopes: stored.scope, userAgent: UA, allowPrivateHosts: LOCAL });
    await expect(ags.postScore(stored.lineitem, score('sim-learner-1'))).resolves.toMatchObject({ status: 200 });
    expect(h.sim.scores(stored.lineitem)).toHaveLength(1);
    // Only the scopes the claim granted were requested.
    const [assertion] = h.sim.assertions();
    expect(assertion!.rejected).toBeNull();
    const scopes = h.sim.accessTokens()[0]!.scopes.slice().sort();
    expect(scopes).toEqual([...DEFAULT_AGS_SCOPES].sort());
    expect(scopes).not.toContain(AGS_SCOPES.lineItemReadonly);
  });
});
