// Names and Roles (NRPS) roster sync storage: the course contexts a workspace can sync (those
// whose launches carried a memberships URL), sync requests and their progress, and applying
// a roster page by page.
//
// A sync is a `roster_syncs` row plus a `roster-sync` pg-boss job written in the same
// transaction (at most one queued/running sync per context: a partial unique index). The
// runtime's worker reads the roster and calls `applyRosterPage` once per page (one
// transaction each): every member is provisioned like a first launch would (user + LTI
// identity + Member membership, idempotent) and gets a `context_memberships` row. A retry
// starts again from page 1; rows already stamped with this sync's id are not counted twice.
// `finishRosterSync` deactivates the members of the context the roster no longer lists —
// only after a complete read: a truncated roster never deactivates anyone.
//
// Differences (LTI-NOTES §2.5): a sync that finishes un-truncated stores the roster's
// `rel="differences"` URL. A scheduled sync of a context whose last completed sync stored one
// reads that URL instead (`mode: 'differences'`, see `rosterDifferencesSource`): it lists only
// the changes since, so members it does not mention are left alone (never deactivated).
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, RosterSync, RosterSyncMode } from '../schema.js';
import { writeAudit } from './audit.js';
import { provisionLtiMember } from './provisioning.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The pg-boss queue the runtime's roster worker drains; a job's data is `{ syncId }` only. */
export const ROSTER_QUEUE_NAME = 'roster-sync';
/** The queue the scheduled re-sync (cron) sends to. */
export const ROSTER_RESYNC_QUEUE_NAME = 'roster-resync';
/** `requested_by` of syncs the schedule requested. */
export const ROSTER_SCHEDULE_ACTOR = 'schedule';

export interface RosterQueue {
  /** Schedule a roster sync. With `trx`, the job is written inside that transaction. */
  enqueue(syncId: string, opts?: { trx?: Transaction<Database>; jobId?: string }): Promise<void>;
}

/** What the dashboard shows for a failure code. */
export const ROSTER_ERROR_HELP: Record<string, { explanation: string; fix: string }> = {
  nrps_scope_missing: {
    explanation: 'The LMS did not grant the Names and Roles scope (contextmembership.readonly), or answered 403.',
    fix: 'Enable "Names and Role Provisioning Services" for the tool in the LMS, launch from the course again, then sync.',
  },
  nrps_not_found: { explanation: 'The LMS answered 404 for the course roster URL (course deleted or URL changed).', fix: 'Launch the tool from the course again (a fresh URL is recorded), then sync.' },
  nrps_token_rejected: {
    explanation: "The LMS token endpoint refused the tool's client assertion.",
    fix: "Check the platform's client ID, token URL and audience in Tether, and that the LMS has the tool's current JWKS URL.",
  },
  nrps_request_rejected: { explanation: 'The LMS refused the roster request (4xx or a redirect).', fix: 'Read the message; check the tool configuration in the LMS.' },
  nrps_unavailable: { explanation: 'The LMS was unreachable or answered 5xx/429 on every try.', fix: 'Check that the LMS is up and reachable from Tether, then sync again.' },
  nrps_invalid_response: { explanation: 'The LMS answered with something that is not a membership container.', fix: "Check the LMS's Names and Roles configuration." },
  platform_not_found: { explanation: 'The platform was removed from Tether.', fix: 'Re-add the platform and launch again.' },
  internal_error: { explanation: 'Tether failed while syncing, on every try.', fix: 'Check the runtime logs, then sync again.' },
};

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
  const counts = await db
    .selectFrom('context_memberships')
    .select(['platform_id', 'context_id', sql<number>`count(*) filter (where status = 'active')::int`.as('active'), sql<number>`count(*) filter (where status = 'inactive')::int`.as('inactive')])
    .where('workspace_id', '=', workspaceId)
    .groupBy(['platform_id', 'context_id'])
    .execute();
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

export type RequestRosterSyncResult =
  | { ok: true; sync: RosterSync }
  | { ok: false; code: 'not_found' }
  | { ok: false; code: 'already_active'; sync: RosterSync };

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
      .select(sql<string | null>`(select l2.context_title from launches l2 where l2.platform_id = l.platform_id and l2.context_id = l.context_id and l2.context_title is not null order by l2.created_at desc limit 1)`.as('context_title'))
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
      .onConflict((oc) => oc.columns(['platform_id', 'context_id']).where('status', 'in', ['queued', 'running']).doNothing())
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
    await writeAudit(trx, { workspace_id: input.workspaceId, actor: input.requestedBy, action: 'roster.sync', target_type: 'roster_sync', target_id: sync.id, details: { platformId: input.platformId, contextId: input.contextId } });
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
export async function listRosterSyncs(db: Db, workspaceId: string, opts: { platformId?: string | undefined; contextId?: string | undefined; limit?: number } = {}): Promise<RosterSyncListItem[]> {
  let q = db
    .selectFrom('roster_syncs as s')
    .leftJoin('platforms as p', 'p.id', 's.platform_id')
    .selectAll('s')
    .select('p.name as platform_name')
    .where('s.workspace_id', '=', workspaceId);
  if (opts.platformId) q = q.where('s.platform_id', '=', opts.platformId);
  if (opts.contextId) q = q.where('s.context_id', '=', opts.contextId);
  return q.orderBy('s.created_at', 'desc').orderBy('s.id', 'desc').limit(opts.limit ?? 20).execute();
}

export async function getRosterSync(db: Db, syncId: string): Promise<RosterSync | undefined> {
  return db.selectFrom('roster_syncs').selectAll().where('id', '=', syncId).executeTakeFirst();
}

// ------------------------------------------------------------------------------------------
// The worker's steps

/**
 * A try of a sync begins: `running`, pages/members counted afresh (the read restarts from
 * page 1). Undefined when the sync is already finished (a redelivered job: nothing to do).
 */
export async function startRosterSync(db: Db, syncId: string): Promise<RosterSync | undefined> {
  return db
    .updateTable('roster_syncs')
    .set({ status: 'running', started_at: sql`coalesce(started_at, now())`, tries: sql`tries + 1`, pages: 0, members: 0 })
    .where('id', '=', syncId)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst();
}

/**
 * The differences URL a scheduled sync may read instead of the full roster: the one stored by
 * the context's latest completed sync (other than `sync` itself). Null when the sync was not
 * requested by the schedule (an admin's sync is always full), or when the latest completed sync
 * stored none (truncated, or the platform sent no link).
 */
export async function rosterDifferencesSource(db: Db, sync: Pick<RosterSync, 'id' | 'platform_id' | 'context_id' | 'requested_by'>): Promise<string | null> {
  if (sync.requested_by !== ROSTER_SCHEDULE_ACTOR) return null;
  const last = await db
    .selectFrom('roster_syncs')
    .select('differences_url')
    .where('platform_id', '=', sync.platform_id)
    .where('context_id', '=', sync.context_id)
    .where('status', '=', 'done')
    .where('id', '!=', sync.id)
    .orderBy('finished_at', 'desc')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last?.differences_url ?? null;
}

/**
 * The read this try does: `differences` or `full`. Switching (a refused differences link
 * falling back to a full read) restarts the page/member counts, like a new try; members this
 * sync already applied are not counted twice.
 */
export async function setRosterSyncMode(db: Db, syncId: string, mode: RosterSyncMode): Promise<RosterSync> {
  return db.updateTable('roster_syncs').set({ mode, pages: 0, members: 0 }).where('id', '=', syncId).returningAll().executeTakeFirstOrThrow();
}

export interface RosterMemberInput {
  userId: string;
  status: 'Active' | 'Inactive' | 'Deleted';
  roles: readonly string[];
  name?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
  email?: string | undefined;
}

export interface ApplyPageCounts {
  added: number;
  updated: number;
  deactivated: number;
  unchanged: number;
  skipped: number;
}

const sameRoles = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((r, i) => r === [...b].sort()[i]);
const norm = (v: string | null | undefined) => (v === undefined || v === null || v === '' ? null : v);

/**
 * One roster page, in one transaction. Active ⇒ provisioned (user + identity + Member
 * membership) and active in the context; Inactive ⇒ provisioned, inactive in the context;
 * Deleted ⇒ inactive in the context when known (nobody is created for a deleted member).
 * Counts: `added` = new to the context's roster, `updated` = roles, profile or status changed,
 * `deactivated` = active → inactive. Members this sync already counted (an earlier try) count
 * as unchanged.
 */
export async function applyRosterPage(
  db: Kysely<Database>,
  input: { sync: Pick<RosterSync, 'id' | 'workspace_id' | 'platform_id' | 'context_id'>; issuer: string; members: readonly RosterMemberInput[] },
): Promise<ApplyPageCounts> {
  const { sync } = input;
  const c: ApplyPageCounts = { added: 0, updated: 0, deactivated: 0, unchanged: 0, skipped: 0 };
  await db.transaction().execute(async (trx) => {
    const touched: string[] = [];
    for (const m of input.members) {
      const before = await trx
        .selectFrom('lti_identities')
        .select(['id', 'name', 'given_name', 'family_name', 'email', 'status'])
        .where('workspace_id', '=', sync.workspace_id)
        .where('issuer', '=', input.issuer)
        .where('sub', '=', m.userId)
        .executeTakeFirst();
      if (m.status === 'Deleted' && !before) {
        c.skipped++;
        continue;
      }
      let profileChanged = false;
      if (m.status !== 'Deleted') {
        profileChanged =
          !!before &&
          (norm(before.name) !== norm(m.name) || norm(before.given_name) !== norm(m.givenName) || norm(before.family_name) !== norm(m.familyName) || norm(before.email) !== norm(m.email));
        await provisionLtiMember(trx, {
          workspaceId: sync.workspace_id,
          platformId: sync.platform_id,
          issuer: input.issuer,
          sub: m.userId,
          name: m.name,
          givenName: m.givenName,
          familyName: m.familyName,
          email: m.email,
        });
      }
      const identityId =
        before?.id ??
        (await trx.selectFrom('lti_identities').select('id').where('workspace_id', '=', sync.workspace_id).where('issuer', '=', input.issuer).where('sub', '=', m.userId).executeTakeFirstOrThrow()).id;
      touched.push(identityId);
      const status = m.status === 'Active' ? 'active' : 'inactive';
      const prev = await trx
        .selectFrom('context_memberships')
        .select(['status', 'roles', 'last_sync_id'])
        .where('platform_id', '=', sync.platform_id)
        .where('context_id', '=', sync.context_id)
        .where('identity_id', '=', identityId)
        .forUpdate()
        .executeTakeFirst();
      // A Deleted member keeps the roles last seen.
      const roles = m.status === 'Deleted' && prev ? prev.roles : [...m.roles];
      await trx
        .insertInto('context_memberships')
        .values({ platform_id: sync.platform_id, context_id: sync.context_id, identity_id: identityId, workspace_id: sync.workspace_id, roles, status, last_sync_id: sync.id, synced_at: new Date() })
        .onConflict((oc) => oc.columns(['platform_id', 'context_id', 'identity_id']).doUpdateSet({ roles, status, last_sync_id: sync.id, synced_at: new Date() }))
        .execute();
      if (prev?.last_sync_id === sync.id) c.unchanged++;
      else if (!prev) c.added++;
      else if (prev.status === 'active' && status === 'inactive') c.deactivated++;
      else if (prev.status !== status || !sameRoles(prev.roles, roles) || profileChanged) c.updated++;
      else c.unchanged++;
    }
    await refreshIdentityStatus(trx, touched);
    await trx
      .updateTable('roster_syncs')
      .set({
        pages: sql`pages + 1`,
        members: sql`members + ${input.members.length}`,
        added: sql`added + ${c.added}`,
        updated: sql`updated + ${c.updated}`,
        deactivated: sql`deactivated + ${c.deactivated}`,
      })
      .where('id', '=', sync.id)
      .execute();
  });
  return c;
}

/**
 * An LTI identity is inactive when the rosters that list it all say inactive; an identity no
 * roster lists (launched only) stays active. A launch makes it active again.
 */
async function refreshIdentityStatus(trx: Transaction<Database>, identityIds: string[]): Promise<void> {
  if (identityIds.length === 0) return;
  await trx
    .updateTable('lti_identities as i')
    .set({
      status: sql`case when exists (select 1 from context_memberships cm where cm.identity_id = i.id and cm.status = 'active')
                         or not exists (select 1 from context_memberships cm where cm.identity_id = i.id)
                       then 'active' else 'inactive' end`,
    })
    .where('i.id', 'in', [...new Set(identityIds)])
    .execute();
}

/**
 * The roster was read to the end (or to the page cap). Complete full read ⇒ members of the
 * context this sync did not see become inactive. Truncated ⇒ nobody is deactivated, and the
 * sync says so. A differences read (the sync's `mode`) lists changes only: nobody unseen is
 * deactivated either. Un-truncated ⇒ `differencesUrl` is stored for the next scheduled sync.
 */
export async function finishRosterSync(
  db: Kysely<Database>,
  syncId: string,
  result: { truncated: boolean; maxPages?: number; differencesUrl?: string | null },
): Promise<RosterSync> {
  return db.transaction().execute(async (trx) => {
    const sync = await trx.selectFrom('roster_syncs').selectAll().where('id', '=', syncId).forUpdate().executeTakeFirstOrThrow();
    let deactivated = 0;
    if (!result.truncated && sync.mode === 'full') {
      const gone = await trx
        .updateTable('context_memberships')
        .set({ status: 'inactive', synced_at: new Date(), last_sync_id: syncId })
        .where('platform_id', '=', sync.platform_id)
        .where('context_id', '=', sync.context_id)
        .where('status', '=', 'active')
        .where((eb) => eb.or([eb('last_sync_id', 'is', null), eb('last_sync_id', '!=', syncId)]))
        .returning('identity_id')
        .execute();
      deactivated = gone.length;
      await refreshIdentityStatus(trx, gone.map((g) => g.identity_id));
    }
    return trx
      .updateTable('roster_syncs')
      .set({
        status: 'done',
        finished_at: new Date(),
        truncated: result.truncated,
        differences_url: result.truncated ? null : (result.differencesUrl ?? null),
        deactivated: sql`deactivated + ${deactivated}`,
        error_code: null,
        error_message: !result.truncated
          ? null
          : sync.mode === 'differences'
            ? `The roster's changes have more than ${result.maxPages ?? sync.pages} pages; only those were read. The next scheduled sync reads the full roster.`
            : `The roster has more than ${result.maxPages ?? sync.pages} pages; only those were read. Members not seen were NOT deactivated.`,
      })
      .where('id', '=', syncId)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export async function failRosterSync(db: Db, syncId: string, e: { code: string; message: string }): Promise<void> {
  await db
    .updateTable('roster_syncs')
    .set({ status: 'failed', finished_at: new Date(), error_code: e.code, error_message: e.message })
    .where('id', '=', syncId)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

/** A try failed and will be retried: back to `queued`, with what went wrong (the dashboard shows it). */
export async function noteRosterRetry(db: Db, syncId: string, e: { code: string; message: string }): Promise<void> {
  await db
    .updateTable('roster_syncs')
    .set({ status: 'queued', error_code: e.code, error_message: e.message })
    .where('id', '=', syncId)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}
