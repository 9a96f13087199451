// Grade passback and API keys as admins see them, with workspace isolation.

import type { PassbackQueue } from '@tether/db';
import { explain } from '@tether/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, callerFor, createTestWorkspace, type Env, insertLaunch, setupEnv, type TestWorkspace, trpcError, validPlatform } from './helpers.js';

let env: Env;
let A: TestWorkspace;
let B: TestWorkspace;
let adminA: Caller;
let adminB: Caller;
let launchId: string;
let failedId: string;
const enqueued: string[] = [];
const queue: PassbackQueue = { enqueue: async (id) => void enqueued.push(id) };
const SCORE_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';

beforeAll(async () => {
  env = await setupEnv({ passbackQueue: queue });
  A = await createTestWorkspace(env, 'ga');
  B = await createTestWorkspace(env, 'gb');
  adminA = await callerFor(env, A.adminId);
  adminB = await callerFor(env, B.adminId);
  const platformId = (await adminA.platforms.createManual(validPlatform('grades'))).id;
  const launch = await insertLaunch(env.db, { workspaceId: A.id, platformId, status: 'landed', ltiSub: 'learner-1', resourceLinkId: 'rl-1' });
  launchId = launch.id;
  // A learner's launch that can carry a grade (its 403 for the scope is the LMS's to fix: a retry may help).
  await env.db
    .updateTable('launches')
    .set({ message_type: 'LtiResourceLinkRequest', ags_lineitem_url: 'https://lms.example/li/1', ags_scopes: [SCORE_SCOPE] })
    .where('id', '=', launch.id)
    .execute();
  const attempt = await env.db
    .insertInto('attempts')
    .values({ workspace_id: A.id, launch_id: launch.id, attempt_key: 'att-1', score_percent: 80, submitted_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const passback = await env.db
    .insertInto('grade_passbacks')
    .values({
      workspace_id: A.id,
      attempt_id: attempt.id,
      launch_id: launch.id,
      platform_id: platformId,
      lineitem_url: 'https://lms.example/li/1',
      lti_sub: 'learner-1',
      target_key: 'https://lms.example/li/1',
      score_percent: 80,
      status: 'failed',
      error_code: 'ags_scope_missing',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  failedId = passback.id;
});
afterAll(async () => env?.close());

describe('grades router', () => {
  it('lists this workspace’s passbacks with the explanation of a failure; not another workspace’s', async () => {
    const a = await adminA.grades.list({});
    expect(a.items.map((p) => p.id)).toEqual([failedId]);
    expect(a.items[0]).toMatchObject({ status: 'failed', errorCode: 'ags_scope_missing', scorePercent: 80 });
    // The row stores the code; the words are the catalogue's.
    const entry = explain('ags_scope_missing')!;
    expect(a.items[0]!.help).toEqual({ explanation: entry.admin, fix: entry.fix });
    expect((await adminA.grades.list({ status: 'sent' })).items).toEqual([]);
    expect((await adminB.grades.list({})).items).toEqual([]);
    expect(await adminB.grades.forLaunch({ launchId })).toEqual([]);
    expect((await adminA.grades.forLaunch({ launchId })).map((p) => p.id)).toEqual([failedId]);
    const counts = await adminA.grades.byPlatform();
    expect(counts[0]).toMatchObject({ failed: 1 });
    expect(await adminB.grades.byPlatform()).toEqual([]);
  });

  it('retry: B cannot retry A’s passback; A can, once', async () => {
    expect((await adminA.grades.list({})).items[0]!.retry).toEqual({ possible: true, why: null });
    expect((await trpcError(adminB.grades.retry({ id: failedId }))).code).toBe('NOT_FOUND');
    const r = await adminA.grades.retry({ id: failedId });
    expect(r).toMatchObject({ ok: true });
    expect(enqueued).toContain(failedId);
    expect((await trpcError(adminA.grades.retry({ id: failedId }))).code).toBe('CONFLICT');
  });

  it('a bad cursor is a field error', async () => {
    const err = await trpcError(adminA.grades.list({ cursor: 'garbage' }));
    expect(err.code).toBe('BAD_REQUEST');
  });
});

/** A failed passback of a new launch of workspace A; `launch` sets the launch's columns. */
async function failedPassback(code: string, launch: Record<string, unknown>, lineitemUrl: string | null = null): Promise<string> {
  const platformId = (await adminA.platforms.list())[0]!.id;
  const l = await insertLaunch(env.db, { workspaceId: A.id, platformId, status: 'landed', ltiSub: `learner-${code}`, resourceLinkId: 'rl-x' });
  await env.db.updateTable('launches').set(launch).where('id', '=', l.id).execute();
  const attempt = await env.db
    .insertInto('attempts')
    .values({ workspace_id: A.id, launch_id: l.id, attempt_key: `att-${code}-${l.id}`, score_percent: 70, submitted_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const p = await env.db
    .insertInto('grade_passbacks')
    .values({
      workspace_id: A.id,
      attempt_id: attempt.id,
      launch_id: l.id,
      platform_id: platformId,
      lineitem_url: lineitemUrl,
      lti_sub: `learner-${code}`,
      target_key: `t-${l.id}`,
      score_percent: 70,
      status: 'failed',
      error_code: code,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return p.id;
}

describe('Retry only where a retry can succeed', () => {
  const view = async (id: string) => (await adminA.grades.list({ limit: 100 })).items.find((p) => p.id === id)!;

  it('refuses a retry of a failure caused by the launch itself (no score scope), says why, and changes nothing', async () => {
    const id = await failedPassback('ags_scope_missing', { message_type: 'LtiResourceLinkRequest', ags_lineitem_url: 'https://lms.example/li/2', ags_scopes: [] });
    const shown = await view(id);
    expect(shown.retry).toEqual({ possible: false, why: expect.stringMatching(/score scope/) });
    const err = await trpcError(adminA.grades.retry({ id }));
    expect(err.code).toBe('PRECONDITION_FAILED');
    expect(err.message).toBe(shown.retry.why);
    expect(enqueued).not.toContain(id);
    expect((await view(id)).status).toBe('failed');
  });

  it('refuses a retry for an instructor’s deep-linking launch (ags_not_available)', async () => {
    const id = await failedPassback('ags_not_available', {
      message_type: 'LtiDeepLinkingRequest',
      resource_link_id: null,
      ags_lineitems_url: 'https://lms.example/course/1/lineitems',
      ags_scopes: [SCORE_SCOPE],
    });
    expect((await view(id)).retry).toEqual({ possible: false, why: expect.stringMatching(/deep-linking launch/) });
    expect((await trpcError(adminA.grades.retry({ id }))).code).toBe('PRECONDITION_FAILED');
  });

  it('refuses a retry when the launch’s own line item is gone (a retry posts to it again)', async () => {
    const li = 'https://lms.example/li/deleted';
    const id = await failedPassback('ags_lineitem_not_found', { message_type: 'LtiResourceLinkRequest', ags_lineitem_url: li, ags_scopes: [SCORE_SCOPE] }, li);
    expect((await view(id)).retry).toEqual({ possible: false, why: expect.stringMatching(/column is gone/) });
    expect((await trpcError(adminA.grades.retry({ id }))).code).toBe('PRECONDITION_FAILED');
  });

  it('offers Retry for a failure a fix can cure (an LMS outage; a line item found through the course, recreated since)', async () => {
    const outage = await failedPassback('ags_platform_unavailable', {
      message_type: 'LtiResourceLinkRequest',
      ags_lineitem_url: 'https://lms.example/li/3',
      ags_scopes: [SCORE_SCOPE],
    });
    expect((await view(outage)).retry).toEqual({ possible: true, why: null });
    const viaContainer = await failedPassback('ags_lineitem_not_found', {
      message_type: 'LtiResourceLinkRequest',
      ags_lineitems_url: 'https://lms.example/course/1/lineitems',
      ags_scopes: [SCORE_SCOPE, 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem'],
    });
    expect((await view(viaContainer)).retry).toEqual({ possible: true, why: null });
    expect(await adminA.grades.retry({ id: outage })).toMatchObject({ ok: true, status: 'queued' });
    expect(enqueued).toContain(outage);
  });

  it('a passback that did not fail offers no Retry', async () => {
    const sent = (await adminA.grades.list({ limit: 100 })).items.filter((p) => p.status !== 'failed');
    for (const p of sent) expect(p.retry).toEqual({ possible: false, why: null });
  });
});

describe('apiKeys router', () => {
  it('creates a key shown once, lists it without the secret, and isolates workspaces', async () => {
    const created = await adminA.apiKeys.create({ name: 'LMS bridge' });
    expect(created.key).toMatch(/^tk_/);
    const list = await adminA.apiKeys.list();
    expect(list.map((k) => k.name)).toEqual(['LMS bridge']);
    expect(JSON.stringify(list)).not.toContain(created.key);
    expect(await adminB.apiKeys.list()).toEqual([]);
    expect((await trpcError(adminB.apiKeys.revoke({ id: created.id }))).code).toBe('NOT_FOUND');
    expect((await adminA.apiKeys.revoke({ id: created.id })).revokedAt).toBeTruthy();
    expect((await trpcError(adminA.apiKeys.create({ name: '' }))).code).toBe('BAD_REQUEST');
  });
});
