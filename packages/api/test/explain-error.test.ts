// The troubleshooting timeline explains every recorded error code from the one catalogue —
// the grade and roster codes too, in the same words as the grade box on the same page.
import { appendEvents } from '@tether/db';
import { explain } from '@tether/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, callerFor, createTestWorkspace, type Env, insertLaunch, setupEnv, validPlatform } from './helpers.js';

let env: Env;
let admin: Caller;
const CORRELATION_ID = 'corr-grade-failed';
let launchId: string;

const wording = (code: string) => {
  const { learner, admin: adminText, fix } = explain(code)!;
  return { learner, admin: adminText, fix };
};

beforeAll(async () => {
  env = await setupEnv();
  const w = await createTestWorkspace(env, 'explain');
  admin = await callerFor(env, w.adminId);
  const platformId = (await admin.platforms.createManual(validPlatform('explain'))).id;
  const launch = await insertLaunch(env.db, { workspaceId: w.id, correlationId: CORRELATION_ID, status: 'landed', platformId, ltiSub: 'learner-1' });
  launchId = launch.id;
  // The grade box's row for the same failure the timeline records.
  const attempt = await env.db
    .insertInto('attempts')
    .values({ workspace_id: w.id, launch_id: launch.id, attempt_key: 'att-1', score_percent: 80, submitted_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  await env.db
    .insertInto('grade_passbacks')
    .values({
      workspace_id: w.id,
      attempt_id: attempt.id,
      launch_id: launch.id,
      platform_id: platformId,
      lti_sub: 'learner-1',
      score_percent: 80,
      status: 'failed',
      error_code: 'ags_scope_missing',
      error_message: 'POST … was refused (HTTP 403)',
    })
    .execute();
  const event = (step: string, outcome: 'ok' | 'error', code: string | null) => ({ step, outcome, error_code: code });
  await appendEvents(env.db, CORRELATION_ID, w.id, [
    event('land', 'ok', null),
    event('grade_failed', 'error', 'ags_scope_missing'),
    event('grade_failed', 'error', 'ags_not_available'),
    event('roster_sync', 'error', 'nrps_unavailable'),
    event('picker', 'error', 'deep_link_already_sent'),
    event('registration_request', 'error', 'registration_rejected'),
  ]);
});
afterAll(async () => env?.close());

describe('troubleshooting timeline explanations', () => {
  it('explains grade, roster, deep-linking and registration codes from the one catalogue', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: CORRELATION_ID });
    const errors = r.events.filter((e) => e.outcome === 'error');
    expect(errors.map((e) => e.errorCode)).toEqual(['ags_scope_missing', 'ags_not_available', 'nrps_unavailable', 'deep_link_already_sent', 'registration_rejected']);
    for (const e of errors) {
      expect(e.explanation, e.errorCode ?? '').toMatchObject(wording(e.errorCode!));
      expect(e.explanation?.known, e.errorCode ?? '').toBe(true);
    }
    expect(errors[0]!.explanation?.fix).toMatch(/Assignment and Grade Services/);
  });

  it('the grade box and the timeline word a grade failure the same way', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: CORRELATION_ID });
    const onTimeline = r.events.find((e) => e.errorCode === 'ags_scope_missing')!.explanation!;
    const [inGradeBox] = await admin.grades.forLaunch({ launchId });
    expect(inGradeBox!.help).toEqual({ explanation: onTimeline.admin, fix: onTimeline.fix });
  });
});
