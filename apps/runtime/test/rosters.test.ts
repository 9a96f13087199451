// Names and Roles roster sync end to end, over real HTTP: a sync request → pg-boss →
// the roster worker → lms-sim's paged memberships endpoint → provisioned learners.
import { type RosterSync, requestRosterSync } from '@tether/db';
import type { Member } from '@tether/lms-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landedLaunch, waitFor } from './grades-helpers.js';
import { type Harness, startHarness } from './harness.js';
import { counts } from './launch-helpers.js';

const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
const INSTRUCTOR = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';
const ENV = { ROSTER_RETRY_DELAY_SEC: '1', ROSTER_POLL_INTERVAL_SEC: '0.5', ROSTER_RESYNC_CRON: 'off' };

const learners = (prefix: string, n: number): Member[] =>
  Array.from({ length: n }, (_, i) => ({ user_id: `${prefix}-${i + 1}`, roles: [LEARNER], name: `Learner ${prefix} ${i + 1}`, email: `${prefix}${i + 1}@example.edu` }));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: ENV, pageSize: 4 });
});
afterAll(async () => h?.close());

/** An instructor launch from the course (records its memberships URL). */
async function courseLaunch(hh: Harness, contextId: string) {
  await landedLaunch(hh, { user: { sub: `teacher-${contextId}`, name: 'Teacher' }, roles: [INSTRUCTOR], context: { id: contextId, title: `Course ${contextId}` } });
}

async function sync(hh: Harness, contextId: string): Promise<RosterSync> {
  const r = await requestRosterSync(hh.t.db, hh.runtime.deps.rosters.queue, { workspaceId: hh.workspaceId, platformId: hh.platform.id, contextId, requestedBy: 'test' });
  if (!r.ok) throw new Error(`sync not requested: ${r.code}`);
  hh.runtime.deps.rosters.wake();
  return waitFor(`sync ${r.sync.id} to finish`, async () => {
    const s = await hh.t.db.selectFrom('roster_syncs').selectAll().where('id', '=', r.sync.id).executeTakeFirstOrThrow();
    return s.status === 'done' || s.status === 'failed' ? s : undefined;
  });
}

async function memberships(hh: Harness, contextId: string) {
  return hh.t.db
    .selectFrom('context_memberships as cm')
    .innerJoin('lti_identities as i', 'i.id', 'cm.identity_id')
    .select(['i.sub', 'i.user_id', 'i.status as identity_status', 'cm.status', 'cm.roles'])
    .where('cm.platform_id', '=', hh.platform.id)
    .where('cm.context_id', '=', contextId)
    .orderBy('i.sub')
    .execute();
}

describe('roster sync', () => {
  it('a roster of several pages: everyone is provisioned as a Member before launching; a later launch reuses the user', async () => {
    await courseLaunch(h, 'c-pages');
    h.sim.setRoster('c-pages', [...learners('p', 10), { user_id: 'teacher-c-pages', roles: [INSTRUCTOR], name: 'Teacher' }]);
    const s = await sync(h, 'c-pages');
    expect(s).toMatchObject({ status: 'done', pages: 3, members: 11, added: 11, updated: 0, deactivated: 0, truncated: false, error_code: null });
    const rows = await memberships(h, 'c-pages');
    expect(rows).toHaveLength(11);
    expect(rows.every((r) => r.status === 'active' && r.identity_status === 'active')).toBe(true);
    const p3 = rows.find((r) => r.sub === 'p-3')!;
    const ms = await h.t.db.selectFrom('memberships').selectAll().where('user_id', '=', p3.user_id).execute();
    expect(ms).toMatchObject([{ workspace_id: h.workspaceId, role: 'member', joined_via: 'lti' }]);

    const before = await counts(h);
    await landedLaunch(h, { user: { sub: 'p-3', name: 'Learner p 3', email: 'p3@example.edu' }, roles: [LEARNER], context: { id: 'c-pages' } });
    expect(await counts(h)).toEqual(before);
    const launchRow = await h.t.db.selectFrom('launches').select('user_id').where('lti_sub', '=', 'p-3').executeTakeFirstOrThrow();
    expect(launchRow.user_id).toBe(p3.user_id);

    // A second sync of the unchanged roster changes nothing.
    const again = await sync(h, 'c-pages');
    expect(again).toMatchObject({ status: 'done', added: 0, updated: 0, deactivated: 0 });
  });

  it('an empty roster: done, nobody provisioned', async () => {
    await courseLaunch(h, 'c-empty');
    h.sim.setRoster('c-empty', []);
    const before = await counts(h);
    const s = await sync(h, 'c-empty');
    expect(s).toMatchObject({ status: 'done', pages: 1, members: 0, added: 0, updated: 0, deactivated: 0 });
    expect(await counts(h)).toEqual(before);
  });

  it('a page failing mid-way (503 once): the job retries from page 1 and ends done, with no duplicates', async () => {
    await courseLaunch(h, 'c-retry');
    h.sim.setRoster('c-retry', learners('r', 10));
    const before = await counts(h);
    // The first page (no query) passes; the second page fails once.
    h.sim.failNext({ path: /memberships\?.*page=2/, status: 503, times: 1 });
    const s = await sync(h, 'c-retry');
    expect(s).toMatchObject({ status: 'done', tries: 2, pages: 3, added: 10, error_code: null });
    const after = await counts(h);
    expect(after.users - before.users).toBe(10);
    expect(after.identities - before.identities).toBe(10);
    expect(after.memberships - before.memberships).toBe(10);
    expect(await memberships(h, 'c-retry')).toHaveLength(10);
  });

  it('a request while a sync of the context is queued is refused', async () => {
    await courseLaunch(h, 'c-busy');
    h.sim.setRoster('c-busy', learners('b', 2));
    const q = { enqueue: async () => undefined };
    const first = await requestRosterSync(h.t.db, q, { workspaceId: h.workspaceId, platformId: h.platform.id, contextId: 'c-busy', requestedBy: 'test' });
    expect(first.ok).toBe(true);
    const second = await requestRosterSync(h.t.db, q, { workspaceId: h.workspaceId, platformId: h.platform.id, contextId: 'c-busy', requestedBy: 'test' });
    expect(second).toMatchObject({ ok: false, code: 'already_active' });
    await h.t.db.updateTable('roster_syncs').set({ status: 'failed' }).where('context_id', '=', 'c-busy').execute();
  });

  it('an Inactive member is provisioned inactive; a member removed from the roster is deactivated on the next full sync', async () => {
    await courseLaunch(h, 'c-status');
    h.sim.setRoster('c-status', [...learners('s', 3), { user_id: 's-off', roles: [LEARNER], name: 'Off', status: 'Inactive' }]);
    const s1 = await sync(h, 'c-status');
    expect(s1).toMatchObject({ status: 'done', added: 4 });
    let rows = await memberships(h, 'c-status');
    expect(rows.find((r) => r.sub === 's-off')).toMatchObject({ status: 'inactive', identity_status: 'inactive' });

    // s-2 leaves the course; s-3 becomes an instructor.
    h.sim.setRoster('c-status', [learners('s', 3)[0]!, { ...learners('s', 3)[2]!, roles: [INSTRUCTOR] }, { user_id: 's-off', roles: [LEARNER], name: 'Off', status: 'Inactive' }]);
    const s2 = await sync(h, 'c-status');
    expect(s2).toMatchObject({ status: 'done', added: 0, updated: 1, deactivated: 1, truncated: false });
    rows = await memberships(h, 'c-status');
    expect(rows.find((r) => r.sub === 's-2')).toMatchObject({ status: 'inactive', identity_status: 'inactive' });
    expect(rows.find((r) => r.sub === 's-3')).toMatchObject({ status: 'active', roles: [INSTRUCTOR] });
    expect(rows.find((r) => r.sub === 's-1')).toMatchObject({ status: 'active' });
  });

  it('a permanent failure (404) fails the sync with its code', async () => {
    await courseLaunch(h, 'c-404');
    h.sim.setRoster('c-404', learners('x', 1));
    h.sim.failNext({ path: /nrps\/c-404\/memberships/, status: 404, times: 1 });
    const s = await sync(h, 'c-404');
    expect(s).toMatchObject({ status: 'failed', error_code: 'nrps_not_found', tries: 1 });
  });

  it('resyncAll requests a sync of every context synced before', async () => {
    const r = await h.runtime.deps.rosters.resyncAll();
    expect(r.requested).toBeGreaterThanOrEqual(5);
    await waitFor('scheduled syncs to finish', async () => {
      const active = await h.t.db.selectFrom('roster_syncs').select('id').where('status', 'in', ['queued', 'running']).execute();
      return active.length === 0;
    });
    const sched = await h.t.db.selectFrom('roster_syncs').selectAll().where('requested_by', '=', 'schedule').where('context_id', '=', 'c-pages').executeTakeFirstOrThrow();
    // c-pages' last sync completed un-truncated: the schedule reads only its differences.
    expect(sched).toMatchObject({ status: 'done', mode: 'differences', added: 0, deactivated: 0 });
  });
});

describe('truncated roster', () => {
  let t: Harness;
  beforeAll(async () => {
    t = await startHarness({ env: { ...ENV, ROSTER_MAX_PAGES: '2' }, pageSize: 2 });
  });
  afterAll(async () => t?.close());

  it('never deactivates anyone, and says so', async () => {
    await courseLaunch(t, 'c-trunc');
    t.sim.setRoster('c-trunc', learners('t', 4));
    expect(await sync(t, 'c-trunc')).toMatchObject({ status: 'done', truncated: false, added: 4 });
    // Now 6 members (3 pages) with t-1 removed: only 2 pages are read.
    t.sim.setRoster('c-trunc', [...learners('t', 6).slice(1)]);
    const s = await sync(t, 'c-trunc');
    expect(s).toMatchObject({ status: 'done', truncated: true, pages: 2, deactivated: 0 });
    expect(s.error_message).toMatch(/NOT deactivated/);
    const rows = await memberships(t, 'c-trunc');
    expect(rows.find((r) => r.sub === 't-1')).toMatchObject({ status: 'active' });
  });
});

describe('differences link (scheduled re-sync)', () => {
  let d: Harness;
  beforeAll(async () => {
    d = await startHarness({ env: ENV, pageSize: 4 });
  });
  afterAll(async () => d?.close());

  /** What the schedule's handler runs, then wait for every sync it requested. */
  async function scheduledResync(hh: Harness) {
    const r = await hh.runtime.deps.rosters.resyncAll();
    hh.runtime.deps.rosters.wake();
    await waitFor('scheduled syncs to finish', async () => {
      const active = await hh.t.db.selectFrom('roster_syncs').select('id').where('status', 'in', ['queued', 'running']).execute();
      return active.length === 0;
    });
    return r;
  }

  const latestScheduled = (hh: Harness, contextId: string) =>
    hh.t.db
      .selectFrom('roster_syncs')
      .selectAll()
      .where('requested_by', '=', 'schedule')
      .where('context_id', '=', contextId)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();

  const rowsWithSync = (hh: Harness, contextId: string) =>
    hh.t.db
      .selectFrom('context_memberships as cm')
      .innerJoin('lti_identities as i', 'i.id', 'cm.identity_id')
      .select(['i.sub', 'cm.status', 'cm.last_sync_id', 'cm.synced_at', 'i.status as identity_status'])
      .where('cm.platform_id', '=', hh.platform.id)
      .where('cm.context_id', '=', contextId)
      .orderBy('i.sub')
      .execute();

  it('a scheduled sync after a full one reads only the differences: the removed member goes inactive, the new one is provisioned, nobody else is touched', async () => {
    await courseLaunch(d, 'c-diff');
    d.sim.setRoster('c-diff', learners('d', 6));
    const full = await sync(d, 'c-diff');
    expect(full).toMatchObject({ status: 'done', mode: 'full', pages: 2, added: 6, truncated: false });
    expect(full.differences_url).toMatch(/\/nrps\/c-diff\/memberships\?since=/);

    // d-2 leaves the course (the platform reports it Deleted in the differences); d-new joins.
    d.sim.setRoster('c-diff', [...learners('d', 6).filter((m) => m.user_id !== 'd-2'), { user_id: 'd-new', roles: [LEARNER], name: 'New', email: 'new@example.edu' }]);
    const before = await rowsWithSync(d, 'c-diff');
    const r = await scheduledResync(d);
    expect(r.requested).toBe(1);

    const s = await latestScheduled(d, 'c-diff');
    expect(s).toMatchObject({ status: 'done', mode: 'differences', pages: 1, members: 2, added: 1, updated: 0, deactivated: 1, truncated: false, tries: 1, error_code: null });
    expect(s.differences_url).toMatch(/\/nrps\/c-diff\/memberships\?since=/);
    expect(s.differences_url).not.toBe(full.differences_url);

    const after = await rowsWithSync(d, 'c-diff');
    expect(after).toHaveLength(7);
    expect(after.find((x) => x.sub === 'd-2')).toMatchObject({ status: 'inactive', identity_status: 'inactive', last_sync_id: s.id });
    expect(after.find((x) => x.sub === 'd-new')).toMatchObject({ status: 'active', identity_status: 'active', last_sync_id: s.id });
    const newcomer = await d.t.db.selectFrom('lti_identities').select('user_id').where('sub', '=', 'd-new').executeTakeFirstOrThrow();
    expect(await d.t.db.selectFrom('memberships').selectAll().where('user_id', '=', newcomer.user_id).execute()).toMatchObject([
      { workspace_id: d.workspaceId, role: 'member', joined_via: 'lti' },
    ]);
    // Everybody else: exactly as the full sync left them.
    for (const b of before.filter((x) => x.sub !== 'd-2')) {
      expect(after.find((x) => x.sub === b.sub)).toEqual(b);
    }

    // A second scheduled sync with no change: differences again, nothing applied.
    await scheduledResync(d);
    const quiet = await latestScheduled(d, 'c-diff');
    expect(quiet).toMatchObject({ status: 'done', mode: 'differences', members: 0, added: 0, updated: 0, deactivated: 0 });
    expect(await rowsWithSync(d, 'c-diff')).toEqual(after);

    // An admin's sync stays a full read (and finds nothing to change).
    const admin = await sync(d, 'c-diff');
    expect(admin).toMatchObject({ status: 'done', mode: 'full', pages: 2, members: 6, added: 0, updated: 0, deactivated: 0 });
    expect(admin.differences_url).not.toBeNull();
  });

  it('a differences URL answered with a 4xx (expired): the same job falls back to a full sync', async () => {
    await courseLaunch(d, 'c-expired');
    d.sim.setRoster('c-expired', learners('e', 3));
    const full = await sync(d, 'c-expired');
    expect(full).toMatchObject({ status: 'done', mode: 'full', added: 3 });
    expect(full.differences_url).not.toBeNull();

    d.sim.setRoster(
      'c-expired',
      learners('e', 3).filter((m) => m.user_id !== 'e-3'),
    );
    d.sim.failNext({ path: /nrps\/c-expired\/memberships\?since=/, status: 410, times: 1 });
    await scheduledResync(d);
    // The differences URL was asked for (and refused) before the full read.
    expect(d.sim.state.failRules).toHaveLength(0);
    const s = await latestScheduled(d, 'c-expired');
    expect(s).toMatchObject({ status: 'done', mode: 'full', tries: 1, pages: 1, members: 2, added: 0, deactivated: 1, truncated: false, error_code: null });
    expect(s.differences_url).toMatch(/\/nrps\/c-expired\/memberships\?since=/);
    const rows = await memberships(d, 'c-expired');
    expect(rows.find((r) => r.sub === 'e-3')).toMatchObject({ status: 'inactive' });
    expect(rows.filter((r) => r.status === 'active').map((r) => r.sub)).toEqual(['e-1', 'e-2']);
  });
});
