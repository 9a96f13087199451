// Helpers for the grade passback tests: API keys, Grades API calls, learner launches, polling.
import { AGS_SCOPES } from '@tether/ags';
import { createApiKey, type GradePassback } from '@tether/db';
import type { LaunchSpec } from '@tether/lms-sim';
import { expect } from 'vitest';
import type { Harness } from './harness.js';
import { launch } from './launch-helpers.js';

export const SCOPE = AGS_SCOPES;

/** Fast retries and polling for tests. */
export const GRADE_TEST_ENV = { GRADE_RETRY_DELAY_SEC: '1', GRADE_POLL_INTERVAL_SEC: '0.5', TETHER_DEV_INSECURE_HOSTS: '127.0.0.1,localhost' };

export async function newApiKey(h: Harness, workspaceId = h.workspaceId): Promise<string> {
  return (await createApiKey(h.t.db, { workspaceId, name: 'test' })).key;
}

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
  body: any;
}

export async function postGrade(baseUrl: string, key: string | null, body: unknown, raw = false): Promise<ApiAnswer> {
  const res = await fetch(`${baseUrl}/api/v1/grades`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

export async function getGrade(baseUrl: string, key: string, attemptId: string): Promise<ApiAnswer> {
  const res = await fetch(`${baseUrl}/api/v1/grades/${encodeURIComponent(attemptId)}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json() };
}

/** A landed launch; returns its correlation ID. */
export async function landedLaunch(h: Harness, spec: LaunchSpec): Promise<string> {
  const r = await launch(h, spec);
  expect(r.status, `launch failed: ${r.error}`).toBe(303);
  return r.correlationId!;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function passback(h: Harness, id: string): Promise<GradePassback> {
  return h.t.db.selectFrom('grade_passbacks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function waitForPassback(h: Harness, id: string, status: GradePassback['status'] | GradePassback['status'][], timeoutMs = 20_000): Promise<GradePassback> {
  const want = Array.isArray(status) ? status : [status];
  return waitFor(
    `passback ${id} to be ${want.join('/')}`,
    async () => {
      const p = await passback(h, id);
      return want.includes(p.status) ? p : undefined;
    },
    timeoutMs,
  );
}

export async function gradeEvents(h: Harness, correlationId: string) {
  const rows = await h.t.db.selectFrom('launch_events').selectAll().where('correlation_id', '=', correlationId).where('step', 'like', 'grade_%').orderBy('id').execute();
  return rows;
}

/** The scores the LMS accepted for one learner on a line item, oldest first. */
export function lmsScores(h: Harness, lineItem: string, userId: string) {
  return h.sim
    .scores(lineItem)
    .filter((s) => s.score.userId === userId)
    .map((s) => s.score);
}

export async function launchRow(h: Harness, correlationId: string) {
  return h.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', correlationId).executeTakeFirstOrThrow();
}
