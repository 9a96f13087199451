// Authorisation for every procedure, and workspace isolation: B's admin must not list, read,
// change or delete A's data, even with the right IDs.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter, createContextForUser } from '../src/index.js';
import { type Caller, callerFor, createTestWorkspace, type Env, insertLaunch, setupEnv, type TestWorkspace, trpcError, validPlatform } from './helpers.js';

let env: Env;
let A: TestWorkspace;
let B: TestWorkspace;
let adminA: Caller;
let adminB: Caller;
let aPlatformId: string;
let aScenarioId: string;
let aCorrelation: string;

beforeAll(async () => {
  env = await setupEnv();
  A = await createTestWorkspace(env, 'ws-a');
  B = await createTestWorkspace(env, 'ws-b');
  adminA = await callerFor(env, A.adminId);
  adminB = await callerFor(env, B.adminId);
  aPlatformId = (await adminA.platforms.createManual(validPlatform('a'))).id;
  aScenarioId = (await adminA.scenarios.create({ slug: 'intro', title: 'Intro' })).id;
  aCorrelation = (await insertLaunch(env.db, { workspaceId: A.id, platformId: aPlatformId, scenarioId: aScenarioId, status: 'failed', errorCode: 'state_missing' })).correlation_id;
});
afterAll(async () => env?.close());

// Every admin procedure with a valid input (targets in workspace A).
const adminCalls: Record<string, (c: Caller) => Promise<unknown>> = {
  'lti.endpoints': (c) => c.lti.endpoints(),
  'lti.createRegistrationUrl': (c) => c.lti.createRegistrationUrl(),
  'lti.registrations': (c) => c.lti.registrations(),
  'platforms.list': (c) => c.platforms.list(),
  'platforms.get': (c) => c.platforms.get({ id: aPlatformId }),
  'platforms.createManual': (c) => c.platforms.createManual(validPlatform('authz')),
  'platforms.testConnection': (c) => c.platforms.testConnection({ jwksUrl: 'http://127.0.0.1:9/jwks' }),
  'platforms.update': (c) => c.platforms.update({ id: aPlatformId, name: 'Renamed' }),
  'platforms.remove': (c) => c.platforms.remove({ id: aPlatformId }),
  'scenarios.list': (c) => c.scenarios.list(),
  'scenarios.get': (c) => c.scenarios.get({ id: aScenarioId }),
  'scenarios.create': (c) => c.scenarios.create({ slug: 'authz', title: 'Authz' }),
  'scenarios.update': (c) => c.scenarios.update({ id: aScenarioId, title: 'Changed' }),
  'scenarios.archive': (c) => c.scenarios.archive({ id: aScenarioId }),
  'scenarios.unarchive': (c) => c.scenarios.unarchive({ id: aScenarioId }),
  'launches.byCorrelationId': (c) => c.launches.byCorrelationId({ correlationId: aCorrelation }),
  'launches.recent': (c) => c.launches.recent({}),
  'launches.stats': (c) => c.launches.stats({ days: 7 }),
  'grades.list': (c) => c.grades.list({}),
  'grades.byPlatform': (c) => c.grades.byPlatform(),
  'grades.forLaunch': (c) => c.grades.forLaunch({ launchId: randomUUID() }),
  'grades.retry': (c) => c.grades.retry({ id: randomUUID() }),
  'rosters.contexts': (c) => c.rosters.contexts(),
  'rosters.members': (c) => c.rosters.members({ platformId: aPlatformId, contextId: 'course-a' }),
  'rosters.sync': (c) => c.rosters.sync({ platformId: aPlatformId, contextId: 'course-a' }),
  'rosters.syncs': (c) => c.rosters.syncs({}),
  'apiKeys.list': (c) => c.apiKeys.list(),
  'apiKeys.create': (c) => c.apiKeys.create({ name: 'authz' }),
  'apiKeys.revoke': (c) => c.apiKeys.revoke({ id: randomUUID() }),
};

const snapshot = async () => ({
  platforms: await env.db.selectFrom('platforms').selectAll().orderBy('id').execute(),
  scenarios: await env.db.selectFrom('scenarios').selectAll().orderBy('id').execute(),
  tokens: await env.db.selectFrom('registration_tokens').selectAll().execute(),
  audit: await env.db.selectFrom('audit_log').select('id').execute(),
});

describe('procedure tiers', () => {
  it('the matrix below covers every procedure of the router', () => {
    const all = Object.keys(appRouter._def.procedures).sort();
    expect(all).toEqual([...Object.keys(adminCalls), 'session.me'].sort());
  });

  it.each(Object.keys(adminCalls))('%s: signed out ⇒ UNAUTHORIZED, nothing changes', async (name) => {
    const before = await snapshot();
    const err = await trpcError(adminCalls[name]!(await callerFor(env, null)));
    expect(err.code).toBe('UNAUTHORIZED');
    expect(await snapshot()).toEqual(before);
  });

  it.each(Object.keys(adminCalls))('%s: a Member ⇒ FORBIDDEN "admins only", nothing changes', async (name) => {
    const before = await snapshot();
    // Named explicitly, and by default (a member has no admin workspace to fall back to).
    for (const slug of ['ws-a', undefined]) {
      const err = await trpcError(adminCalls[name]!(await callerFor(env, A.memberId, slug)));
      expect(err.code).toBe('FORBIDDEN');
      expect(err.message).toBe('admins only');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('authorisation is checked before input validation', async () => {
    const anon = await callerFor(env, null);
    expect((await trpcError(anon.platforms.createManual({ name: '' } as never))).code).toBe('UNAUTHORIZED');
    const member = await callerFor(env, A.memberId);
    expect((await trpcError(member.platforms.update({ id: 'nope' } as never))).code).toBe('FORBIDDEN');
  });

  it('an unknown user id is signed out', async () => {
    expect((await trpcError((await callerFor(env, 'no-such-user')).platforms.list())).code).toBe('UNAUTHORIZED');
  });

  it('session.me: signed out ⇒ UNAUTHORIZED; a member sees their workspaces and no active admin workspace', async () => {
    expect((await trpcError((await callerFor(env, null)).session.me())).code).toBe('UNAUTHORIZED');
    const me = await (await callerFor(env, A.memberId)).session.me();
    expect(me.user.id).toBe(A.memberId);
    expect(me.workspaces).toEqual([{ id: A.id, slug: 'ws-a', name: 'Workspace ws-a', role: 'member' }]);
    expect(me.activeWorkspace).toBeNull();
    const admin = await adminA.session.me();
    expect(admin.activeWorkspace).toMatchObject({ id: A.id, role: 'admin' });
  });
});

describe('active workspace', () => {
  it('x-tether-workspace naming a workspace the user is not in falls back to their own', async () => {
    const ctx = await createContextForUser(env.deps, B.adminId, 'ws-a');
    expect(ctx.activeWorkspace?.id).toBe(B.id);
    const c = await callerFor(env, B.adminId, 'ws-a');
    expect((await c.platforms.list()).map((p) => p.id)).not.toContain(aPlatformId);
  });

  it('a user who is admin in A and member in B: A by default, FORBIDDEN when B is named', async () => {
    await env.db.insertInto('memberships').values({ workspace_id: B.id, user_id: A.adminId, role: 'member', joined_via: 'manual' }).execute();
    try {
      expect((await (await callerFor(env, A.adminId)).platforms.list()).map((p) => p.id)).toContain(aPlatformId);
      expect((await trpcError((await callerFor(env, A.adminId, 'WS-B')).platforms.list())).code).toBe('FORBIDDEN');
    } finally {
      await env.db.deleteFrom('memberships').where('workspace_id', '=', B.id).where('user_id', '=', A.adminId).execute();
    }
  });

  it('an admin of two workspaces picks one with the header', async () => {
    await env.db.insertInto('memberships').values({ workspace_id: B.id, user_id: A.adminId, role: 'admin', joined_via: 'manual' }).execute();
    try {
      const inB = await callerFor(env, A.adminId, 'ws-b');
      expect((await inB.session.me()).activeWorkspace?.id).toBe(B.id);
      expect((await inB.platforms.list()).map((p) => p.id)).not.toContain(aPlatformId);
      expect((await (await callerFor(env, A.adminId)).session.me()).activeWorkspace?.id).toBe(A.id);
    } finally {
      await env.db.deleteFrom('memberships').where('workspace_id', '=', B.id).where('user_id', '=', A.adminId).execute();
    }
  });
});

describe("workspace isolation: B's admin and A's data", () => {
  it('platforms.list does not show A’s platforms', async () => {
    expect((await adminB.platforms.list()).map((p) => p.id)).not.toContain(aPlatformId);
    expect((await adminA.platforms.list()).map((p) => p.id)).toContain(aPlatformId);
  });

  it('platforms.get ⇒ NOT_FOUND', async () => {
    expect((await trpcError(adminB.platforms.get({ id: aPlatformId }))).code).toBe('NOT_FOUND');
  });

  it('platforms.update ⇒ NOT_FOUND and A’s row is untouched (not even updated_at)', async () => {
    const before = await env.db.selectFrom('platforms').selectAll().where('id', '=', aPlatformId).executeTakeFirstOrThrow();
    const deps = await env.db.selectFrom('deployments').selectAll().where('platform_id', '=', aPlatformId).execute();
    const err = await trpcError(adminB.platforms.update({ id: aPlatformId, name: 'Hijacked', deploymentIds: ['evil'] }));
    expect(err.code).toBe('NOT_FOUND');
    expect(await env.db.selectFrom('platforms').selectAll().where('id', '=', aPlatformId).executeTakeFirstOrThrow()).toEqual(before);
    expect(await env.db.selectFrom('deployments').selectAll().where('platform_id', '=', aPlatformId).execute()).toEqual(deps);
  });

  it('platforms.remove ⇒ NOT_FOUND and the row stays', async () => {
    expect((await trpcError(adminB.platforms.remove({ id: aPlatformId }))).code).toBe('NOT_FOUND');
    expect(await env.db.selectFrom('platforms').select('id').where('id', '=', aPlatformId).executeTakeFirst()).toBeDefined();
  });

  it('platforms.createManual with A’s issuer + client ID ⇒ CONFLICT that does not name A’s connection', async () => {
    const err = await trpcError(adminB.platforms.createManual(validPlatform('a', { name: 'Mine' })));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/cannot be used; register a new client ID/);
    expect(err.message).not.toMatch(/another workspace/);
    expect(err.message).not.toContain('Canvas a');
  });

  it('scenarios.list / get / update do not reach A’s scenarios', async () => {
    expect((await adminB.scenarios.list()).map((s) => s.id)).not.toContain(aScenarioId);
    expect((await trpcError(adminB.scenarios.get({ id: aScenarioId }))).code).toBe('NOT_FOUND');
    const before = await env.db.selectFrom('scenarios').selectAll().where('id', '=', aScenarioId).executeTakeFirstOrThrow();
    expect((await trpcError(adminB.scenarios.update({ id: aScenarioId, slug: 'stolen', title: 'Stolen' }))).code).toBe('NOT_FOUND');
    expect(await env.db.selectFrom('scenarios').selectAll().where('id', '=', aScenarioId).executeTakeFirstOrThrow()).toEqual(before);
  });

  it('scenarios.create: slugs are per workspace, so B may use A’s slug', async () => {
    const s = await adminB.scenarios.create({ slug: 'intro', title: 'B intro' });
    expect(s.slug).toBe('intro');
    expect((await adminA.scenarios.list()).map((x) => x.title)).not.toContain('B intro');
  });

  it('scenarios.get in B does not count A’s LMS as connected', async () => {
    const s = (await adminB.scenarios.list())[0]!;
    expect((await adminB.scenarios.get({ id: s.id })).lmsConnected).toBe(false);
  });

  it('launches.byCorrelationId ⇒ NOT_FOUND for A’s launch', async () => {
    const err = await trpcError(adminB.launches.byCorrelationId({ correlationId: aCorrelation }));
    expect(err.code).toBe('NOT_FOUND');
    expect((await adminA.launches.byCorrelationId({ correlationId: aCorrelation })).launch.correlationId).toBe(aCorrelation);
  });

  it('launches.recent is empty for B, even filtered by A’s platform or scenario', async () => {
    expect((await adminB.launches.recent({})).items).toEqual([]);
    expect((await adminB.launches.recent({ platformId: aPlatformId })).items).toEqual([]);
    expect((await adminB.launches.recent({ scenarioId: aScenarioId })).items).toEqual([]);
    expect((await adminA.launches.recent({})).items.map((i) => i.correlationId)).toContain(aCorrelation);
  });

  it('launches.stats counts only B’s launches', async () => {
    const b = await adminB.launches.stats({ days: 7 });
    expect(b.totals.launches).toBe(0);
    expect(b.topErrors).toEqual([]);
    expect((await adminA.launches.stats({ days: 7 })).totals.failures).toBe(1);
  });

  it('lti.createRegistrationUrl mints for the caller’s own workspace', async () => {
    await adminB.lti.createRegistrationUrl();
    const rows = await env.db.selectFrom('registration_tokens').selectAll().where('created_by', '=', B.adminId).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.workspace_id === B.id)).toBe(true);
  });

  it('audit entries land in the acting admin’s workspace', async () => {
    const rows = await env.db.selectFrom('audit_log').selectAll().where('actor', '=', B.adminId).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.workspace_id === B.id)).toBe(true);
  });

  it('a random platform/scenario id is NOT_FOUND, a malformed one is BAD_REQUEST naming the field', async () => {
    expect((await trpcError(adminA.platforms.remove({ id: randomUUID() }))).code).toBe('NOT_FOUND');
    const bad = await trpcError(adminA.scenarios.get({ id: 'not-a-uuid' }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toBe('id: must be a UUID');
  });
});
