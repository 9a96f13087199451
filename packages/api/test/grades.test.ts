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

beforeAll(async () => {
  env = await setupEnv({ passbackQueue: queue });
  A = await createTestWorkspace(env, 'ga');
  B = await createTestWorkspace(env, 'gb');
  adminA = await callerFor(env, A.adminId);
  adminB = await callerFor(env, B.adminId);
  const platformId = (await adminA.platforms.createManual(validPlatform('grades'))).id;
  const launch = await insertLaunch(env.db, { workspaceId: A.id, platformId, status: 'landed', ltiSub: 'learner-1', resourceLinkId: 'rl-1' });
  launchId = launch.id;
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
