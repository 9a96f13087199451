// The dashboard's passback lists and counts. Every query is scoped to a workspace.
import { TetherError } from '@tether/errors';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, PassbackSkipCode, PassbackStatus } from '../schema.js';
import { type RetryBlocker, retryBlockerOf } from './passback-records.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface PassbackListItem {
  id: string;
  attemptId: string;
  launchId: string;
  correlationId: string;
  platformId: string | null;
  platformName: string | null;
  ltiSub: string;
  learnerName: string | null;
  contextTitle: string | null;
  resourceLinkTitle: string | null;
  lineItemUrl: string | null;
  scorePercent: number;
  scoreGiven: number | null;
  scoreMaximum: number | null;
  status: PassbackStatus;
  skipCode: PassbackSkipCode | null;
  skipReason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  lmsStatus: number | null;
  tries: number;
  nextAttemptAt: Date | null;
  submittedAt: Date;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  /** For a failed passback: why a retry cannot succeed (`retryBlockerOf`); null when it may. */
  retryBlocker: RetryBlocker | null;
}

function listQuery(db: Db) {
  return db
    .selectFrom('grade_passbacks as p')
    .innerJoin('attempts as a', 'a.id', 'p.attempt_id')
    .innerJoin('launches as l', 'l.id', 'p.launch_id')
    .leftJoin('platforms as pl', 'pl.id', 'p.platform_id')
    .leftJoin('users as u', 'u.id', 'l.user_id')
    .select([
      'p.id',
      'a.attempt_key as attemptId',
      'p.launch_id as launchId',
      'l.correlation_id as correlationId',
      'p.platform_id as platformId',
      'pl.name as platformName',
      'p.lti_sub as ltiSub',
      'u.name as learnerName',
      'l.context_title as contextTitle',
      'l.resource_link_title as resourceLinkTitle',
      'p.lineitem_url as lineItemUrl',
      'p.score_percent as scorePercent',
      'p.score_given as scoreGiven',
      'p.score_maximum as scoreMaximum',
      'p.status',
      'p.skip_code as skipCode',
      'p.skip_reason as skipReason',
      'p.error_code as errorCode',
      'p.error_message as errorMessage',
      'p.lms_status as lmsStatus',
      'p.tries',
      'p.next_attempt_at as nextAttemptAt',
      'a.submitted_at as submittedAt',
      'p.created_at as createdAt',
      'p.updated_at as updatedAt',
      'p.sent_at as sentAt',
      // What a retry would be sent with (retryBlockerOf).
      'l.message_type as _l_message_type',
      'l.lti_sub as _l_lti_sub',
      'l.platform_id as _l_platform_id',
      'l.ags_lineitem_url as _l_ags_lineitem_url',
      'l.ags_lineitems_url as _l_ags_lineitems_url',
      'l.ags_scopes as _l_ags_scopes',
      'l.resource_link_id as _l_resource_link_id',
      // Full microsecond precision for the keyset cursor (a JS Date keeps milliseconds only).
      sql<string>`to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursorTs'),
    ]);
}

type ListRow = Awaited<ReturnType<ReturnType<typeof listQuery>['execute']>>[number];

/** A row as the dashboard gets it: the launch's columns folded into `retryBlocker`. */
function listItem({
  cursorTs: _c,
  _l_message_type,
  _l_lti_sub,
  _l_platform_id,
  _l_ags_lineitem_url,
  _l_ags_lineitems_url,
  _l_ags_scopes,
  _l_resource_link_id,
  ...r
}: ListRow): PassbackListItem {
  const launch = {
    message_type: _l_message_type,
    lti_sub: _l_lti_sub,
    platform_id: _l_platform_id,
    ags_lineitem_url: _l_ags_lineitem_url,
    ags_lineitems_url: _l_ags_lineitems_url,
    ags_scopes: _l_ags_scopes,
    resource_link_id: _l_resource_link_id,
  };
  return { ...r, retryBlocker: retryBlockerOf({ status: r.status, error_code: r.errorCode }, launch) };
}

const encodeCursor = (ts: string, id: string) => Buffer.from(JSON.stringify([ts, id])).toString('base64url');
function decodeCursor(cursor: string): [string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0])) && /^[0-9a-f-]{36}$/i.test(v[1]))
      return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  return null;
}

/** A list cursor that this module did not hand out (code `invalid_cursor`). */
export class InvalidCursorError extends TetherError<'invalid_cursor'> {
  override name = 'InvalidCursorError';
}

/**
 * Recent passbacks of a workspace, newest first, keyset-paginated: pass the `nextCursor` of
 * one page as `cursor` for the next (null when there is no more).
 */
export async function listPassbacks(
  db: Db,
  workspaceId: string,
  opts: { status?: PassbackStatus | undefined; platformId?: string | undefined; cursor?: string | null | undefined; limit: number },
): Promise<{ items: PassbackListItem[]; nextCursor: string | null }> {
  const limit = Math.max(1, Math.min(200, Math.floor(opts.limit)));
  let q = listQuery(db).where('p.workspace_id', '=', workspaceId);
  if (opts.status) q = q.where('p.status', '=', opts.status);
  if (opts.platformId) q = q.where('p.platform_id', '=', opts.platformId);
  if (opts.cursor) {
    const c = decodeCursor(opts.cursor);
    if (!c) throw new InvalidCursorError('invalid_cursor', 'cursor: not a cursor returned by listPassbacks');
    q = q.where(sql<boolean>`(p.created_at, p.id) < (${c[0]}::timestamptz, ${c[1]}::uuid)`);
  }
  const rows = await q
    .orderBy('p.created_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(listItem),
    nextCursor: rows.length > limit && last ? encodeCursor(last.cursorTs, last.id) : null,
  };
}

/** One passback of a workspace as the lists show it (with its `retryBlocker`). */
export async function findPassbackItem(db: Db, workspaceId: string, passbackId: string): Promise<PassbackListItem | undefined> {
  const row = await listQuery(db).where('p.workspace_id', '=', workspaceId).where('p.id', '=', passbackId).executeTakeFirst();
  return row ? listItem(row) : undefined;
}

/** The passbacks of one launch, oldest first (the launch page; pass workspaceId to scope it). */
export async function passbacksForLaunch(db: Db, launchId: string, opts: { workspaceId?: string } = {}): Promise<PassbackListItem[]> {
  let q = listQuery(db).where('p.launch_id', '=', launchId);
  if (opts.workspaceId) q = q.where('p.workspace_id', '=', opts.workspaceId);
  const rows = await q.orderBy('p.created_at').orderBy('p.id').execute();
  return rows.map(listItem);
}

export interface PlatformPassbackCounts {
  platformId: string | null;
  platformName: string | null;
  /** Passbacks that stopped with an error (the dashboard's failure count). */
  failed: number;
  /** Queued passbacks whose last try failed and that will be tried again. */
  retrying: number;
  queued: number;
  sent: number;
}

/** Per platform of the workspace that has passbacks: failed / retrying / queued / sent counts, most failures first. */
export async function failureCountsByPlatform(db: Db, workspaceId: string): Promise<PlatformPassbackCounts[]> {
  const rows = await db
    .selectFrom('grade_passbacks as p')
    .leftJoin('platforms as pl', 'pl.id', 'p.platform_id')
    .select([
      'p.platform_id as platformId',
      sql<string | null>`max(pl.name)`.as('platformName'),
      sql<number>`(count(*) filter (where p.status = 'failed'))::int`.as('failed'),
      sql<number>`(count(*) filter (where p.status = 'queued' and p.error_code is not null))::int`.as('retrying'),
      sql<number>`(count(*) filter (where p.status = 'queued'))::int`.as('queued'),
      sql<number>`(count(*) filter (where p.status = 'sent'))::int`.as('sent'),
    ])
    .where('p.workspace_id', '=', workspaceId)
    .groupBy('p.platform_id')
    .execute();
  return rows.sort((a, b) => b.failed - a.failed || b.retrying - a.retrying || (a.platformName ?? '').localeCompare(b.platformName ?? ''));
}
