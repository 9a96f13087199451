// Bounded writes from unauthenticated traffic, and retention: a login writes one small row
// until the platform answers; the retention job removes expired login states and history older
// than RETENTION_DAYS (keeping a launch whose grade is still queued) — tested with the clock
// moved forward.
import { sql } from '@tether/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { launch } from './launch-helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const count = async (table: 'login_states' | 'launches' | 'launch_events') =>
  (await h.t.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;

const DAY = 86_400_000;

describe('bounded writes', () => {
  it('an unanswered login writes one login_states row and nothing in the launch history', async () => {
    const before = { states: await count('login_states'), launches: await count('launches'), events: await count('launch_events') };
    const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' }, user: { sub: 'never-answered' } });
    const res = await fetch(init.url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(await count('login_states')).toBe(before.states + 1);
    expect(await count('launches')).toBe(before.launches);
    expect(await count('launch_events')).toBe(before.events);
    // Troubleshooting still finds it, as a started launch with the login's events.
    const cid = res.headers.get('x-correlation-id')!;
    const row = await h.t.db.selectFrom('login_states').select('login_events').where('correlation_id', '=', cid).executeTakeFirstOrThrow();
    expect(row.login_events.map((e) => e.step)).toEqual(['login_received', 'platform_resolved', 'auth_redirect']);
  });

  it("the login's events lead the launch's timeline once the platform answers", async () => {
    const r = await launch(h, { user: { sub: 'answered' } });
    expect(r.status).toBe(303);
    const steps = (await h.t.db.selectFrom('launch_events').select('step').where('correlation_id', '=', r.correlationId!).orderBy('id').execute()).map((e) => e.step);
    expect(steps.slice(0, 4)).toEqual(['login_received', 'platform_resolved', 'auth_redirect', 'launch_received']);
    expect(steps.at(-1)).toBe('landed');
  });
});

describe('retention', () => {
  it('removes expired login states and history past RETENTION_DAYS, keeps what is recent or still owed a grade', async () => {
    const retention = h.runtime.deps.retention;
    const kept = await launch(h, { user: { sub: 'recent-learner' } });
    expect(kept.status).toBe(303);
    // Nothing is old yet.
    const now = await retention.runOnce(new Date());
    expect(now.launches).toBe(0);
    expect(now.launchEvents).toBe(0);

    // 91 days later (RETENTION_DAYS defaults to 90), with one launch still owed a grade.
    const owed = await launch(h, { user: { sub: 'owed-a-grade' } });
    const owedLaunch = await h.t.db
      .selectFrom('launches')
      .select(['id', 'workspace_id', 'platform_id'])
      .where('correlation_id', '=', owed.correlationId!)
      .executeTakeFirstOrThrow();
    const attempt = await h.t.db
      .insertInto('attempts')
      .values({ workspace_id: owedLaunch.workspace_id!, launch_id: owedLaunch.id, attempt_key: 'owed-1', score_percent: 50, submitted_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await h.t.db
      .insertInto('grade_passbacks')
      .values({
        workspace_id: owedLaunch.workspace_id!,
        attempt_id: attempt.id,
        launch_id: owedLaunch.id,
        platform_id: owedLaunch.platform_id,
        lineitem_url: null,
        lti_sub: 'owed-a-grade',
        score_percent: 50,
        score_given: null,
        score_maximum: null,
        status: 'queued',
        error_code: null,
        lms_status: null,
      })
      .execute();

    const later = await retention.runOnce(new Date(Date.now() + 91 * DAY));
    expect(later.loginStates).toBeGreaterThan(0);
    expect(await count('login_states')).toBe(0);
    expect(later.launchEvents).toBeGreaterThan(0);
    expect(await count('launch_events')).toBe(0);
    const left = (await h.t.db.selectFrom('launches').select('correlation_id').execute()).map((l) => l.correlation_id);
    expect(left).toEqual([owed.correlationId]);
  });
});
