// Roster sync as admins see it, with workspace isolation.

import type { RosterQueue } from '@tether/db';
import { explain } from '@tether/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, callerFor, createTestWorkspace, type Env, insertLaunch, setupEnv, type TestWorkspace, trpcError, validPlatform } from './helpers.js';

let env: Env;
let A: TestWorkspace;
let B: TestWorkspace;
let adminA: Caller;
let adminB: Caller;
let aPlatformId: string;
let bPlatformId: string;
const enqueued: string[] = [];
const queue: RosterQueue = { enqueue: async (id) => void enqueued.push(id) };

async function nrpsLaunch(workspaceId: string, platformId: string, contextId: string, title: string, url: string | null = `https://lms.example/${contextId}/memberships`) {
  const l = await insertLaunch(env.db, { workspaceId, platformId, contextId, contextTitle: title, ltiSub: 'teacher' });
  await env.db.updateTable('launches').set({ nrps_memberships_url: url }).where('id', '=', l.id).execute();
}

beforeAll(async () => {
  env = await setupEnv({ rosterQueue: queue });
  A = await createTestWorkspace(env, 'ra');
  B = await createTestWorkspace(env, 'rb');
  adminA = await callerFor(env, A.adminId);
  adminB = await callerFor(env, B.adminId);
  aPlatformId = (await adminA.platforms.createManual(validPlatform('ra'))).id;
  bPlatformId = (await adminB.platforms.createManual(validPlatform('rb'))).id;
  await nrpsLaunch(A.id, aPlatformId, 'course-1', 'Biology 101');
  await nrpsLaunch(A.id, aPlatformId, 'course-1', 'Biology 101 (renamed)');
  await nrpsLaunch(A.id, aPlatformId, 'no-nrps', 'No roster', null);
  await nrpsLaunch(B.id, bPlatformId, 'course-b', 'B course');
});
afterAll(async () => env?.close());

describe('rosters router', () => {
  it('contexts: this workspace’s courses with an NRPS URL only', async () => {
    const a = await adminA.rosters.contexts();
    expect(a).toEqual([
      expect.objectContaining({
        platformId: aPlatformId,
        platformName: 'Canvas ra',
        contextId: 'course-1',
        contextTitle: 'Biology 101 (renamed)',
        activeMembers: 0,
        lastSync: null,
      }),
    ]);
    expect((await adminB.rosters.contexts()).map((c) => c.contextId)).toEqual(['course-b']);
  });

  it('sync: queues one sync, refuses a second while it is queued; B cannot sync A’s course', async () => {
    expect((await trpcError(adminB.rosters.sync({ platformId: aPlatformId, contextId: 'course-1' }))).code).toBe('NOT_FOUND');
    expect((await trpcError(adminA.rosters.sync({ platformId: aPlatformId, contextId: 'no-nrps' }))).code).toBe('NOT_FOUND');
    const s = await adminA.rosters.sync({ platformId: aPlatformId, contextId: 'course-1' });
    expect(s).toMatchObject({ status: 'queued', contextId: 'course-1', contextTitle: 'Biology 101 (renamed)', added: 0, requestedBy: 'admin' });
    expect(enqueued).toEqual([s.id]);
    const row = await env.db.selectFrom('roster_syncs').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    expect(row.memberships_url).toBe('https://lms.example/course-1/memberships');
    expect((await trpcError(adminA.rosters.sync({ platformId: aPlatformId, contextId: 'course-1' }))).code).toBe('CONFLICT');
    expect(enqueued).toHaveLength(1);
    expect((await adminA.rosters.contexts())[0]!.lastSync).toMatchObject({ id: s.id, status: 'queued' });
  });

  it('syncs: lists this workspace’s syncs with counts; filters; never another workspace’s', async () => {
    await env.db.updateTable('roster_syncs').set({ status: 'failed', error_code: 'nrps_scope_missing', error_message: '403' }).where('workspace_id', '=', A.id).execute();
    const a = await adminA.rosters.syncs({});
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ status: 'failed', errorCode: 'nrps_scope_missing', platformName: 'Canvas ra' });
    // The row stores the code; the words are the catalogue's. A code it does not hold gets none (the message is shown).
    const entry = explain('nrps_scope_missing')!;
    expect(a[0]!.help).toEqual({ explanation: entry.admin, fix: entry.fix });
    await env.db.updateTable('roster_syncs').set({ error_code: 'made_up_code' }).where('workspace_id', '=', A.id).execute();
    expect((await adminA.rosters.syncs({}))[0]).toMatchObject({ errorCode: 'made_up_code', errorMessage: '403', help: null });
    expect(await adminA.rosters.syncs({ contextId: 'other' })).toEqual([]);
    expect(await adminB.rosters.syncs({})).toEqual([]);
    expect(await adminB.rosters.syncs({ platformId: aPlatformId })).toEqual([]);
  });

  it('sync without a queue configured ⇒ PRECONDITION_FAILED', async () => {
    const c = await callerFor(env, A.adminId, undefined, { ...env.deps, rosterQueue: undefined });
    expect((await trpcError(c.rosters.sync({ platformId: aPlatformId, contextId: 'course-1' }))).code).toBe('PRECONDITION_FAILED');
  });
});
