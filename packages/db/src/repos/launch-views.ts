// Launch read models for the dashboard: a launch with its timeline (troubleshooting), the
// recent-launches list and the overview counts. Every query is scoped to a workspace: launches
// without one (e.g. unknown_platform at login) are visible to nobody. Dynamic registrations are
// kept as `launches` rows too (found by correlation ID) but are no launches: lists, counts and
// "last launch" leave them out (registration.ts `listRegistrations` lists them).
import { type ExpressionBuilder, type Kysely, sql, type Transaction } from 'kysely';
import type { Database, LaunchStatus } from '../schema.js';
import { REGISTRATION_MESSAGE_TYPE } from './registration.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Not a registration row (a launch refused before its claims were read has no message type). */
/** A launch row that is a launch (dynamic registrations are kept as launch rows too, so the dashboard finds them by correlation ID). */
export const isLaunch = (eb: ExpressionBuilder<Database & { l: Database['launches'] }, 'l'>) =>
  eb.or([eb('l.message_type', 'is', null), eb('l.message_type', '!=', sql.lit(REGISTRATION_MESSAGE_TYPE))]);

/** The learner's best known name: the LMS identity's, else the Tether user's. */
const userNameSql = sql<string | null>`coalesce(nullif(trim(li.name), ''), nullif(trim(concat_ws(' ', li.given_name, li.family_name)), ''), u.name)`;

function launchRows(db: Db, workspaceId: string) {
  return db
    .selectFrom('launches as l')
    .leftJoin('platforms as p', (j) => j.onRef('p.id', '=', 'l.platform_id').onRef('p.workspace_id', '=', 'l.workspace_id'))
    .leftJoin('scenarios as s', (j) => j.onRef('s.id', '=', 'l.scenario_id').onRef('s.workspace_id', '=', 'l.workspace_id'))
    .leftJoin('users as u', 'u.id', 'l.user_id')
    .leftJoin('lti_identities as li', (j) => j.onRef('li.workspace_id', '=', 'l.workspace_id').onRef('li.issuer', '=', 'l.issuer').onRef('li.sub', '=', 'l.lti_sub'))
    .where('l.workspace_id', '=', workspaceId);
}

export async function findLaunchDetail(db: Db, workspaceId: string, correlationId: string) {
  return launchRows(db, workspaceId)
    .selectAll('l')
    .select(['p.name as platform_name', 's.slug as scenario_slug', 's.title as scenario_title', userNameSql.as('user_name')])
    .where('l.correlation_id', '=', correlationId)
    .executeTakeFirst();
}

export async function listLaunchEvents(db: Db, workspaceId: string, correlationId: string) {
  return db
    .selectFrom('launch_events')
    .select(['id', 'step', 'outcome', 'error_code', 'duration_ms', 'details', 'created_at'])
    .where('correlation_id', '=', correlationId)
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export interface RecentLaunchFilter {
  status?: LaunchStatus;
  platformId?: string;
  scenarioId?: string;
  since?: Date;
  until?: Date;
  /** Keyset position: rows strictly after (created_at desc, id desc). `createdAt` is full-precision text. */
  after?: { createdAt: string; id: string };
  limit: number;
}

/** Newest first, keyset-paginated on (created_at desc, id desc). Returns up to limit + 1 rows. */
export async function listRecentLaunches(db: Db, workspaceId: string, f: RecentLaunchFilter) {
  let q = launchRows(db, workspaceId)
    .select([
      'l.id',
      'l.correlation_id',
      'l.status',
      'l.error_code',
      'l.platform_id',
      'l.issuer',
      'l.scenario_id',
      'l.user_id',
      'l.context_title',
      'l.resource_link_title',
      'l.created_at',
      'l.completed_at',
      'p.name as platform_name',
      's.title as scenario_title',
      userNameSql.as('user_name'),
      // Microsecond precision, so the cursor never skips rows sharing a millisecond.
      sql<string>`to_char(l.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_ts'),
      // A landed launch whose later request was refused (a replay: the row stays landed, the
      // refusal is only on its timeline): the code of the last such refusal.
      sql<string | null>`case when l.status = 'landed' then (
        select e.v->>'error_code' from launch_timeline t cross join lateral jsonb_array_elements(t.events) as e(v)
        where t.correlation_id = l.correlation_id and t.workspace_id = l.workspace_id and e.v->>'step' = 'failed'
        order by t.id desc limit 1) end`.as('refused_after_landing'),
    ])
    .where(isLaunch)
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id', 'desc')
    .limit(f.limit + 1);
  if (f.status) q = q.where('l.status', '=', f.status);
  if (f.platformId) q = q.where('l.platform_id', '=', f.platformId);
  if (f.scenarioId) q = q.where('l.scenario_id', '=', f.scenarioId);
  if (f.since) q = q.where('l.created_at', '>=', f.since);
  if (f.until) q = q.where('l.created_at', '<', f.until);
  if (f.after) {
    const { createdAt, id } = f.after;
    q = q.where(sql<boolean>`(l.created_at, l.id) < (${createdAt}::timestamptz, ${id}::uuid)`);
  }
  return q.execute();
}

export interface DailyLaunchCount {
  day: string;
  launches: number;
  landed: number;
  failed: number;
}

/** Launch counts per UTC day since `from` (days without launches are absent). */
export async function countLaunchesPerDay(db: Db, workspaceId: string, from: Date): Promise<DailyLaunchCount[]> {
  const rows = await db
    .selectFrom('launches as l')
    .select([
      sql<string>`to_char(date_trunc('day', created_at at time zone 'UTC'), 'YYYY-MM-DD')`.as('day'),
      sql<number>`count(*)::int`.as('launches'),
      sql<number>`(count(*) filter (where status = 'landed'))::int`.as('landed'),
      sql<number>`(count(*) filter (where status = 'failed'))::int`.as('failed'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('created_at', '>=', from)
    .where(isLaunch)
    .groupBy(sql`1`)
    .execute();
  return rows.map((r) => ({ day: r.day, launches: Number(r.launches), landed: Number(r.landed), failed: Number(r.failed) }));
}

export async function topErrorCodes(db: Db, workspaceId: string, from: Date, limit = 5) {
  const rows = await db
    .selectFrom('launches as l')
    .select(['error_code', sql<number>`count(*)::int`.as('count')])
    .where('workspace_id', '=', workspaceId)
    .where('created_at', '>=', from)
    .where('status', '=', 'failed')
    .where(isLaunch)
    .where('error_code', 'is not', null)
    .groupBy('error_code')
    .orderBy('count', 'desc')
    .orderBy('error_code')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ code: r.error_code as string, count: Number(r.count) }));
}

/**
 * A login this workspace's platform has not answered (yet): no launch row exists until the
 * launch arrives, but troubleshooting still finds the login by its correlation ID.
 */
export async function findUnansweredLogin(db: Db, workspaceId: string, correlationId: string) {
  return db
    .selectFrom('login_states as ls')
    .leftJoin('platforms as p', (j) => j.onRef('p.id', '=', 'ls.platform_id').onRef('p.workspace_id', '=', 'ls.workspace_id'))
    .select(['ls.correlation_id', 'ls.platform_id', 'p.name as platform_name', 'ls.issuer', 'ls.client_id', 'ls.created_at', 'ls.expires_at', 'ls.login_events'])
    .where('ls.workspace_id', '=', workspaceId)
    .where('ls.correlation_id', '=', correlationId)
    .executeTakeFirst();
}
