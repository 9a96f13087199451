// The roster sync worker's steps. The runtime's worker reads the roster and calls
// `applyRosterPage` once per page (one transaction each): every member is provisioned like a
// first launch would (user + LTI identity + Member membership, idempotent) and gets a
// `context_memberships` row. A retry starts again from page 1; rows already stamped with this
// sync's id are not counted twice. `finishRosterSync` deactivates the members of the context
// the roster no longer lists — only after a complete read: a truncated roster never
// deactivates anyone.
//
// Differences: a sync that finishes un-truncated stores the roster's `rel="differences"` URL.
// A scheduled sync of a context whose last completed sync stored one reads that URL instead
// (`mode: 'differences'`, see `rosterDifferencesSource`): it lists only the changes since, so
// members it does not mention are left alone (never deactivated).
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, RosterSync, RosterSyncMode } from '../schema.js';
import { provisionLtiMember } from './provisioning.js';
import { ROSTER_SCHEDULE_ACTOR } from './roster-requests.js';

type Db = Kysely<Database> | Transaction<Database>;

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
          (norm(before.name) !== norm(m.name) ||
            norm(before.given_name) !== norm(m.givenName) ||
            norm(before.family_name) !== norm(m.familyName) ||
            norm(before.email) !== norm(m.email));
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
        (
          await trx
            .selectFrom('lti_identities')
            .select('id')
            .where('workspace_id', '=', sync.workspace_id)
            .where('issuer', '=', input.issuer)
            .where('sub', '=', m.userId)
            .executeTakeFirstOrThrow()
        ).id;
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
        .values({
          platform_id: sync.platform_id,
          context_id: sync.context_id,
          identity_id: identityId,
          workspace_id: sync.workspace_id,
          roles,
          status,
          last_sync_id: sync.id,
          synced_at: new Date(),
        })
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
      await refreshIdentityStatus(
        trx,
        gone.map((g) => g.identity_id),
      );
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
