// Roster sync as admins see it, with workspace isolation.

import { applyRosterPage, finishRosterSync, provisionLtiMember, type RosterQueue } from '@tether/db';
import { explain } from '@tether/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleLabels } from '../src/routers/rosters.js';
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

describe('course members and the active count', () => {
  const ISSUER = 'https://canvas-ra.example.com';
  const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
  const INSTRUCTOR = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

  /** A learner's landed launch from a course, provisioned like the runtime's completion does. */
  async function landedLaunch(sub: string, name: string, contextId: string, at: Date, status: 'landed' | 'failed' = 'landed') {
    const { userId } = await env.db
      .transaction()
      .execute((trx) => provisionLtiMember(trx, { workspaceId: A.id, platformId: aPlatformId, issuer: ISSUER, sub, name, email: `${sub}@school.example` }));
    const l = await insertLaunch(env.db, {
      workspaceId: A.id,
      platformId: aPlatformId,
      issuer: ISSUER,
      ltiSub: sub,
      userId: status === 'landed' ? userId : null,
      status,
      roles: [LEARNER, 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student'],
      contextId,
      contextTitle: 'Chemistry 201',
      createdAt: at,
    });
    await env.db
      .updateTable('launches')
      .set({ nrps_memberships_url: `https://lms.example/${contextId}/memberships` })
      .where('id', '=', l.id)
      .execute();
  }

  const course2 = () => adminA.rosters.contexts().then((cs) => cs.find((c) => c.contextId === 'course-2')!);

  it('learners who launched count as active members before any roster sync (was "0 active")', async () => {
    await landedLaunch('ana', 'Ana Alves', 'course-2', minutesAgo(30));
    await landedLaunch('ben', 'Ben Braun', 'course-2', minutesAgo(20));
    await landedLaunch('ben', 'Ben Braun', 'course-2', minutesAgo(10)); // twice: one member
    await landedLaunch('carl', 'Carl Cruz', 'course-2', minutesAgo(5), 'failed'); // never got in: not a member
    expect(await course2()).toMatchObject({ activeMembers: 2, inactiveMembers: 0, lastSync: null });

    const { members, more } = await adminA.rosters.members({ platformId: aPlatformId, contextId: 'course-2' });
    expect(more).toBe(false);
    expect(members.map((m) => [m.name, m.status, m.source, m.roles])).toEqual([
      ['Ana Alves', 'active', 'launch', ['Learner']],
      ['Ben Braun', 'active', 'launch', ['Learner']],
    ]);
    expect(Date.parse(members[1]!.lastLaunchAt!)).toBeGreaterThan(Date.parse(members[0]!.lastLaunchAt!));
    expect(members[0]).toMatchObject({ email: 'ana@school.example', sub: 'ana', rosterStatus: null, syncedAt: null });
  });

  it('a roster sync adds members who never launched; the roster’s status holds until they launch again', async () => {
    const s = await adminA.rosters.sync({ platformId: aPlatformId, contextId: 'course-2' });
    const sync = await env.db.selectFrom('roster_syncs').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    await applyRosterPage(env.db, {
      sync,
      issuer: ISSUER,
      members: [
        { userId: 'ana', status: 'Active', roles: [LEARNER], name: 'Ana Alves', email: 'ana@school.example' },
        { userId: 'ben', status: 'Inactive', roles: [LEARNER], name: 'Ben Braun', email: 'ben@school.example' },
        { userId: 'dana', status: 'Active', roles: [INSTRUCTOR, 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'], name: 'Dana Diaz' },
      ],
    });
    await finishRosterSync(env.db, sync.id, { truncated: false });
    // Ana: roster Active. Dana: roster Active, never launched. Ben: the roster says Inactive after his last launch.
    expect(await course2()).toMatchObject({ activeMembers: 2, inactiveMembers: 1 });
    const before = (await adminA.rosters.members({ platformId: aPlatformId, contextId: 'course-2' })).members;
    expect(before.map((m) => [m.name, m.status, m.rosterStatus])).toEqual([
      ['Ana Alves', 'active', 'active'],
      ['Dana Diaz', 'active', 'active'],
      ['Ben Braun', 'inactive', 'inactive'],
    ]);
    expect(before[1]).toMatchObject({ source: 'roster', lastLaunchAt: null, roles: ['Instructor', 'Teaching assistant'] });
    expect(before[1]!.syncedAt).not.toBeNull();

    // Ben launches from the course after the sync: the LMS let him in, so he is active again.
    await landedLaunch('ben', 'Ben Braun', 'course-2', new Date(Date.now() + 1000));
    expect(await course2()).toMatchObject({ activeMembers: 3, inactiveMembers: 0 });
    const ben = (await adminA.rosters.members({ platformId: aPlatformId, contextId: 'course-2' })).members.find((m) => m.sub === 'ben');
    expect(ben).toMatchObject({ status: 'active', rosterStatus: 'inactive', source: 'roster' });
  });

  it('members: only this workspace’s courses, admins only', async () => {
    expect((await adminB.rosters.members({ platformId: aPlatformId, contextId: 'course-2' })).members).toEqual([]);
    const member = await callerFor(env, A.memberId);
    expect((await trpcError(member.rosters.members({ platformId: aPlatformId, contextId: 'course-2' }))).code).toBe('FORBIDDEN');
  });

  it('roleLabels: course roles by their short names; institution roles only when there are no others', () => {
    expect(roleLabels([LEARNER, 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student'])).toEqual(['Learner']);
    expect(roleLabels(['Instructor', INSTRUCTOR])).toEqual(['Instructor']);
    expect(roleLabels(['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty'])).toEqual(['Faculty']);
    expect(roleLabels([])).toEqual([]);
  });
});
