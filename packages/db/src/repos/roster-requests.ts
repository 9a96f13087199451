// Names and Roles (NRPS) roster sync requests: the course contexts a workspace can sync (those
// whose launches carried a memberships URL), their members, requesting a sync, and the syncs'
// progress as the dashboard lists it. (The worker's steps are in roster-sync-steps.ts.)
//
// A sync is a `roster_syncs` row plus a `roster-sync` queue job written in the same
// transaction (at most one queued/running sync per context: a partial unique index).
import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, RosterSync } from '../schema.js';
import { writeAudit } from './audit.js';

type Db = Kysely<Database> | Transaction<Database>;

/** `requested_by` of syncs the schedule requested. */
export const ROSTER_SCHEDULE_ACTOR = 'schedule';

export interface RosterQueue {
  /** Schedule a roster sync. With `trx`, the job is written inside that transaction. */
  enqueue(syncId: string, opts?: { trx?: Transaction<Database>; jobId?: string }): Promise<void>;
}

// ------------------------------------------------------------------------------------------
// Contexts and requests

export interface RosterContext {
  platformId: string;
  platformName: string;
  contextId: string;
  contextTitle: string | null;
  lastLaunchAt: Date;
  activeMembers: number;
  inactiveMembers: number;
  lastSync: RosterSync | null;
}

/** Course contexts of a workspace whose launches carried an NRPS URL, newest launch first, with their latest sync. */
export async function listRosterContexts(db: Db, workspaceId: string): Promise<RosterContext[]> {
  const rows = await db
    .selectFrom('launches as l')
    .innerJoin('platforms as p', (j) => j.onRef('p.id', '=', 'l.platform_id').onRef('p.workspace_id', '=', 'l.workspace_id'))
    .select([
      'l.platform_id',
      'l.context_id',
      'p.name as platform_name',
      sql<string | null>`(array_agg(l.context_title order by l.created_at desc) filter (where l.context_title is not null))[1]`.as('context_title'),
      sql<Date>`max(l.created_at)`.as('last_launch_at'),
    ])
    .where('l.workspace_id', '=', workspaceId)
    .where('l.nrps_memberships_url', 'is not', null)
    .where('l.context_id', 'is not', null)
    .groupBy(['l.platform_id', 'l.context_id', 'p.name'])
    .orderBy(sql`max(l.created_at)`, 'desc')
    .limit(500)
    .execute();
  if (rows.length === 0) return [];
  const syncs = await db
    .selectFrom('roster_syncs')
    .selectAll()
    .distinctOn(['platform_id', 'context_id'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('platform_id')
    .orderBy('context_id')
    .orderBy('created_at', 'desc')
    .execute();
  const counts = await countCourseMembers(
    db,
    workspaceId,
    rows.map((r) => ({ platformId: r.platform_id!, contextId: r.context_id! })),
  );
  const key = (p: string, c: string) => `${p} ${c}`;
  const syncBy = new Map(syncs.map((s) => [key(s.platform_id, s.context_id), s]));
  const countBy = new Map(counts.map((c) => [key(c.platform_id, c.context_id), c]));
  return rows.map((r) => {
    const k = key(r.platform_id!, r.context_id!);
    return {
      platformId: r.platform_id!,
      platformName: r.platform_name,
      contextId: r.context_id!,
      contextTitle: r.context_title,
      lastLaunchAt: new Date(r.last_launch_at),
      activeMembers: countBy.get(k)?.active ?? 0,
      inactiveMembers: countBy.get(k)?.inactive ?? 0,
      lastSync: syncBy.get(k) ?? null,
    };
  });
}

// ------------------------------------------------------------------------------------------
// Course members
//
// A course's members are everyone its synced roster lists (`context_memberships`) AND everyone
// who landed a launch from it — a learner who launched is a member before any roster sync, and
// a course whose roster was never synced still has the members who launched.
//
// The status rule (the dashboard states it next to the counts): a member is ACTIVE when the
// latest roster sync listed them as Active, when they launched from the course after that sync
// said otherwise (the LMS let them in since), or when no synced roster lists them and they
// launched. INACTIVE: the roster listed them as Inactive, or dropped or deleted them, and they
// have not launched from the course since.

export interface CourseKey {
  platformId: string;
  contextId: string;
}

/** Identities in one or more courses, one row per (course, identity), with the inputs of the rule and its result. */
function courseMembersSql(workspaceId: string, courses: readonly CourseKey[]) {
  const inCourses = (platform: string, context: string) =>
    sql`(${sql.ref(platform)}, ${sql.ref(context)}) in (${sql.join(courses.map((c) => sql`(${c.platformId}::uuid, ${c.contextId}::text)`))})`;
  return sql`
    with launched as (
      select distinct on (l.platform_id, l.context_id, i.id)
        l.platform_id, l.context_id, i.id as identity_id, l.roles, l.created_at as last_launch_at
      from launches l
      join lti_identities i on i.workspace_id = l.workspace_id and i.issuer = l.issuer and i.sub = l.lti_sub
      where l.workspace_id = ${workspaceId}::uuid and l.status = 'landed' and ${inCourses('l.platform_id', 'l.context_id')}
      order by l.platform_id, l.context_id, i.id, l.created_at desc
    ),
    rostered as (
      select cm.platform_id, cm.context_id, cm.identity_id, cm.roles, cm.status, cm.synced_at
      from context_memberships cm
      where cm.workspace_id = ${workspaceId}::uuid and ${inCourses('cm.platform_id', 'cm.context_id')}
    )
    select
      coalesce(r.platform_id, la.platform_id) as platform_id,
      coalesce(r.context_id, la.context_id) as context_id,
      coalesce(r.identity_id, la.identity_id) as identity_id,
      r.status as roster_status,
      r.roles as roster_roles,
      r.synced_at,
      la.roles as launch_roles,
      la.last_launch_at,
      case when r.status is null or r.status = 'active' or la.last_launch_at > r.synced_at then 'active' else 'inactive' end as status
    from rostered r
    full join launched la on la.platform_id = r.platform_id and la.context_id = r.context_id and la.identity_id = r.identity_id`;
}

/** Active and inactive members per course (see the rule above); courses without any are left out. */
export async function countCourseMembers(
  db: Db,
  workspaceId: string,
  courses: readonly CourseKey[],
): Promise<{ platform_id: string; context_id: string; active: number; inactive: number }[]> {
  if (courses.length === 0) return [];
  const { rows } = await sql<{ platform_id: string; context_id: string; active: number; inactive: number }>`
    select m.platform_id, m.context_id,
      (count(*) filter (where m.status = 'active'))::int as active,
      (count(*) filter (where m.status = 'inactive'))::int as inactive
    from (${courseMembersSql(workspaceId, courses)}) m
    group by m.platform_id, m.context_id`.execute(db);
  return rows;
}

export interface CourseMember {
  identityId: string;
  /** The LMS user id (`sub`). */
  sub: string;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  /** The roster's roles when a sync listed the member, else those of their latest launch. */
  roles: string[];
  status: 'active' | 'inactive';
  /** What the latest roster sync said (null: no synced roster lists them). */
  rosterStatus: 'active' | 'inactive' | null;
  /** When a roster sync last saw them. */
  syncedAt: Date | null;
  /** Their latest landed launch from this course. */
  lastLaunchAt: Date | null;
}

/** The members of one course (roster and launches), active first, then by name; at most `limit`. */
export async function listCourseMembers(db: Db, workspaceId: string, course: CourseKey, opts: { limit?: number } = {}): Promise<CourseMember[]> {
  const { rows } = await sql<{
    identity_id: string;
    sub: string;
    name: string | null;
    given_name: string | null;
    family_name: string | null;
    email: string | null;
    roster_roles: string[] | null;
    launch_roles: string[] | null;
    roster_status: 'active' | 'inactive' | null;
    status: 'active' | 'inactive';
    synced_at: Date | null;
    last_launch_at: Date | null;
  }>`
    select m.identity_id, i.sub, i.name, i.given_name, i.family_name, i.email,
      m.roster_roles, m.launch_roles, m.roster_status, m.status, m.synced_at, m.last_launch_at
    from (${courseMembersSql(workspaceId, [course])}) m
    join lti_identities i on i.id = m.identity_id
    order by m.status = 'active' desc,
      lower(coalesce(nullif(i.name, ''), nullif(concat_ws(' ', i.given_name, i.family_name), ''), i.email, i.sub)),
      i.id
    limit ${opts.limit ?? 500}`.execute(db);
  return rows.map((r) => ({
    identityId: r.identity_id,
    sub: r.sub,
    name: r.name,
    givenName: r.given_name,
    familyName: r.family_name,
    email: r.email,
    roles: r.roster_roles ?? r.launch_roles ?? [],
    status: r.status,
    rosterStatus: r.roster_status,
    syncedAt: r.synced_at ? new Date(r.synced_at) : null,
    lastLaunchAt: r.last_launch_at ? new Date(r.last_launch_at) : null,
  }));
}

export type RequestRosterSyncResult = { ok: true; sync: RosterSync } | { ok: false; code: 'not_found' } | { ok: false; code: 'already_active'; sync: RosterSync };

/**
 * Queue a sync of one context: a `queued` row and its job, in one transaction. The memberships
 * URL (and deployment) come from the context's latest launch that carried one. A context with
 * a queued or running sync gets `already_active` (and that sync).
 */
export async function requestRosterSync(
  db: Kysely<Database>,
  queue: RosterQueue,
  input: { workspaceId: string; platformId: string; contextId: string; requestedBy: string },
): Promise<RequestRosterSyncResult> {
  return db.transaction().execute(async (trx) => {
    const launch = await trx
      .selectFrom('launches as l')
      .innerJoin('platforms as p', (j) => j.onRef('p.id', '=', 'l.platform_id').onRef('p.workspace_id', '=', 'l.workspace_id'))
      .select(['l.nrps_memberships_url', 'l.deployment_id'])
      .select(
        sql<
          string | null
        >`(select l2.context_title from launches l2 where l2.platform_id = l.platform_id and l2.context_id = l.context_id and l2.context_title is not null order by l2.created_at desc limit 1)`.as(
          'context_title',
        ),
      )
      .where('l.workspace_id', '=', input.workspaceId)
      .where('l.platform_id', '=', input.platformId)
      .where('l.context_id', '=', input.contextId)
      .where('l.nrps_memberships_url', 'is not', null)
      .orderBy('l.created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!launch?.nrps_memberships_url) return { ok: false, code: 'not_found' } as const;
    const jobId = randomUUID();
    const sync = await trx
      .insertInto('roster_syncs')
      .values({
        workspace_id: input.workspaceId,
        platform_id: input.platformId,
        context_id: input.contextId,
        context_title: launch.context_title,
        memberships_url: launch.nrps_memberships_url,
        deployment_id: launch.deployment_id,
        requested_by: input.requestedBy,
        job_id: jobId,
      })
      .onConflict((oc) =>
        // The partial index's predicate as literals: a prepared statement's generic plan cannot infer the arbiter index from parameters.
        oc.columns(['platform_id', 'context_id']).where(sql<boolean>`status in ('queued', 'running')`).doNothing(),
      )
      .returningAll()
      .executeTakeFirst();
    if (!sync) {
      const active = await trx
        .selectFrom('roster_syncs')
        .selectAll()
        .where('platform_id', '=', input.platformId)
        .where('context_id', '=', input.contextId)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirstOrThrow();
      return { ok: false, code: 'already_active', sync: active } as const;
    }
    await writeAudit(trx, {
      workspace_id: input.workspaceId,
      actor: input.requestedBy,
      action: 'roster.sync',
      target_type: 'roster_sync',
      target_id: sync.id,
      details: { platformId: input.platformId, contextId: input.contextId },
    });
    await queue.enqueue(sync.id, { trx, jobId });
    return { ok: true, sync } as const;
  });
}

/** Every context synced before (for the scheduled re-sync). */
export async function listResyncTargets(db: Db): Promise<{ workspaceId: string; platformId: string; contextId: string }[]> {
  const rows = await db.selectFrom('roster_syncs').select(['workspace_id', 'platform_id', 'context_id']).distinct().execute();
  return rows.map((r) => ({ workspaceId: r.workspace_id, platformId: r.platform_id, contextId: r.context_id }));
}

export interface RosterSyncListItem extends RosterSync {
  platform_name: string | null;
}

/** Recent syncs of a workspace, newest first; optionally of one platform and/or context. */
export async function listRosterSyncs(
  db: Db,
  workspaceId: string,
  opts: { platformId?: string | undefined; contextId?: string | undefined; limit?: number } = {},
): Promise<RosterSyncListItem[]> {
  let q = db
    .selectFrom('roster_syncs as s')
    .leftJoin('platforms as p', 'p.id', 's.platform_id')
    .selectAll('s')
    .select('p.name as platform_name')
    .where('s.workspace_id', '=', workspaceId);
  if (opts.platformId) q = q.where('s.platform_id', '=', opts.platformId);
  if (opts.contextId) q = q.where('s.context_id', '=', opts.contextId);
  return q
    .orderBy('s.created_at', 'desc')
    .orderBy('s.id', 'desc')
    .limit(opts.limit ?? 20)
    .execute();
}

export async function getRosterSync(db: Db, syncId: string): Promise<RosterSync | undefined> {
  return db.selectFrom('roster_syncs').selectAll().where('id', '=', syncId).executeTakeFirst();
}
