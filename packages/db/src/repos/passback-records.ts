// Graded attempts and the best-of-N decision: the Grades API records an attempt, the
// dashboard retries a failed passback. (The worker's steps are in passback-delivery.ts.)
//
// Best-of-N is decided in the database, in the transaction that stores the attempt: an
// `INSERT … ON CONFLICT DO UPDATE … WHERE best_percent < excluded.best_percent` on
// grade_best_scores (one row per platform + line item or resource link + learner). Concurrent
// attempts for one key serialise on that row; only a strictly better score becomes the best
// and is queued. Before posting, the worker claims the key (a lease on the same row) and only
// the current best may claim it, so posts for one key go out one at a time and in increasing
// score order; a queued passback that lost its place to a better one is skipped (superseded).
//
// The queue is behind `PassbackQueue` so callers (the api package) need no queue library:
// @tether/queue implements it with pg-boss.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Attempt, Database, GradePassback, Launch, PassbackStatus } from '../schema.js';
import { writeAudit } from './audit.js';
import { appendEvents, type EventInput, storedEvents } from './launches.js';
import { bestRow, offerBestScore } from './passback-best-scores.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface PassbackQueue {
  /**
   * Schedule delivery of a passback. With `trx`, the job is written inside that transaction
   * (it exists exactly when the transaction commits); `jobId` fixes the job's id.
   */
  enqueue(passbackId: string, opts?: { trx?: Transaction<Database>; jobId?: string }): Promise<void>;
}

// ------------------------------------------------------------------------------------------
// Keys and formatting

/** The best-of-N key next to (platform, learner): the line item URL, else the resource link in its container. */
export function passbackTargetKey(launch: Pick<Launch, 'ags_lineitem_url' | 'ags_lineitems_url' | 'resource_link_id'>): string | null {
  if (launch.ags_lineitem_url) return launch.ags_lineitem_url;
  if (launch.ags_lineitems_url) return `resource-link:${launch.resource_link_id ?? ''} ${launch.ags_lineitems_url}`;
  return null;
}

/** The AGS scopes a delivery needs (spec URIs; the ags package names them AGS_SCOPES). */
const SCOPE_SCORE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
const LINE_ITEM_SCOPES = ['https://purl.imsglobal.org/spec/lti-ags/scope/lineitem', 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly'];

/**
 * Why a launch cannot carry a grade, whatever the LMS answers later (the worker would fail such
 * a passback on its first try):
 * - `anonymous`: no learner (sub) to grade;
 * - `no_platform`: its platform was removed;
 * - `not_resource_link`: not a learner's resource-link launch (an instructor's deep-linking
 *   request, a registration); grades belong to the launch of the graded activity;
 * - `no_ags_endpoint`: the launch carried no AGS line item nor line items URL;
 * - `no_resource_link`: only a line items URL, and no resource link to find the column by;
 * - `no_score_scope`: the LMS did not grant the score scope;
 * - `no_lineitem_scope`: only a line items URL, and no line item scope to find or create the column.
 * A launch row without a message type (recorded before it was kept) is judged on its AGS claim alone.
 */
export type GradeBlocker = 'anonymous' | 'no_platform' | 'not_resource_link' | 'no_ags_endpoint' | 'no_resource_link' | 'no_score_scope' | 'no_lineitem_scope';

export type GradeBlockerInput = Pick<Launch, 'message_type' | 'lti_sub' | 'platform_id' | 'ags_lineitem_url' | 'ags_lineitems_url' | 'ags_scopes' | 'resource_link_id'>;

export function gradeBlockerOf(launch: GradeBlockerInput): GradeBlocker | null {
  if (!launch.lti_sub) return 'anonymous';
  if (!launch.platform_id) return 'no_platform';
  if (launch.message_type !== null && launch.message_type !== 'LtiResourceLinkRequest') return 'not_resource_link';
  if (!launch.ags_lineitem_url && !launch.ags_lineitems_url) return 'no_ags_endpoint';
  if (!launch.ags_lineitem_url && !launch.resource_link_id) return 'no_resource_link';
  const scopes = launch.ags_scopes ?? [];
  if (!scopes.includes(SCOPE_SCORE)) return 'no_score_scope';
  if (!launch.ags_lineitem_url && !LINE_ITEM_SCOPES.some((s) => scopes.includes(s))) return 'no_lineitem_scope';
  return null;
}

/**
 * Why a retry of a failed passback cannot succeed (a retry re-sends it for the same launch):
 * the launch cannot carry a grade (`GradeBlocker`); the failure said so (`ags_not_available`)
 * or its platform is gone (`platform_not_found`); or the LMS said the launch's own line item
 * is gone (`lineitem_gone`: a retry posts to that same URL). Null: a retry may succeed once
 * the cause is fixed (an LMS outage, a token or column setting, a scope enabled in the LMS …).
 */
export type RetryBlocker = GradeBlocker | 'lineitem_gone';

export function retryBlockerOf(p: Pick<GradePassback, 'status' | 'error_code'>, launch: GradeBlockerInput): RetryBlocker | null {
  if (p.status !== 'failed') return null;
  const blocker = gradeBlockerOf(launch);
  if (blocker) return blocker;
  if (p.error_code === 'ags_not_available') return 'no_ags_endpoint';
  if (p.error_code === 'platform_not_found') return 'no_platform';
  if (p.error_code === 'ags_lineitem_not_found' && launch.ags_lineitem_url) return 'lineitem_gone';
  return null;
}

/**
 * A percent for people: rounded half up to 2 decimals on its decimal digits (72.005 → 72.01,
 * as a person reads it, not as the binary double happens to fall), trailing zeros dropped.
 * The same rule as SQL's `trim_scale(round(x::text::numeric, 2))`, which the recording
 * statement uses for the skip reason it writes.
 */
export function formatPercent(p: number): string {
  const text = String(Math.abs(p));
  if (!/^\d+(\.\d+)?$/.test(text)) return `${Number(p.toFixed(2))} %`; // exponent notation: far below 0.01 or huge
  const [whole = '0', frac = ''] = text.split('.');
  let cents = BigInt(whole + frac.padEnd(2, '0').slice(0, 2));
  if ((frac[2] ?? '0') >= '5') cents += 1n;
  const value = Number(cents) / 100;
  return `${p < 0 && value !== 0 ? -value : value} %`;
}

/** Scores are stored as `real`: compare what was sent with what is stored loosely. */
export const samePercent = (a: number, b: number) => Math.abs(a - b) < 1e-4;

// ------------------------------------------------------------------------------------------
// Recording an attempt (the Grades API)

export interface RecordAttemptInput {
  workspaceId: string;
  /** A landed launch of the workspace with an AGS endpoint and a learner sub. */
  launch: Launch;
  attemptKey: string;
  scorePercent: number;
  submittedAt: Date;
  queue: PassbackQueue;
}

export type RecordAttemptResult =
  | { kind: 'created'; attempt: Attempt; passback: GradePassback }
  | { kind: 'duplicate'; attempt: Attempt; passback: GradePassback | undefined; sameInput: boolean };

/** The answer given when the attempt was recorded: queued, or skipped because it was not better. */
export function attemptDecision(p: Pick<GradePassback, 'skip_code' | 'skip_reason'>): { status: 'queued' | 'skipped'; reason?: string } {
  return p.skip_code === 'not_better' ? { status: 'skipped', reason: p.skip_reason ?? 'not better than the best score' } : { status: 'queued' };
}

/**
 * Stores the attempt and decides best-of-N in one transaction; a strictly better score
 * becomes the key's best, gets a passback row `queued` and a queue job (written in the same
 * transaction), a lower or equal one a `skipped` passback. The same attempt key again ⇒
 * `duplicate` with the original rows.
 *
 * Round trips: BEGIN, ONE statement (attempt, best-of-N, passback and timeline: see
 * `recordAttemptStatement`), the queue's job when queued, COMMIT. A duplicate reads the
 * original rows with one more.
 */
export async function recordAttempt(db: Kysely<Database>, input: RecordAttemptInput): Promise<RecordAttemptResult> {
  const { launch, workspaceId } = input;
  const targetKey = passbackTargetKey(launch);
  if (!targetKey || !launch.platform_id || !launch.lti_sub) throw new Error('recordAttempt: the launch has no AGS endpoint, platform or learner');
  const passbackId = randomUUID();
  const jobId = randomUUID();
  const received: EventInput = {
    step: 'grade_received',
    outcome: 'ok',
    details: { attemptId: input.attemptKey, percent: input.scorePercent, submittedAt: input.submittedAt.toISOString(), passbackId },
  };
  // Both possible timelines are prepared here; the statement keeps the one that happened and
  // fills in the skip's reason and the best score it read under the key row's lock.
  const queuedEvents = storedEvents([received, { step: 'grade_queued', outcome: 'ok', details: { passbackId, jobId, lineItem: launch.ags_lineitem_url ?? null } }]);
  const skippedEvents = storedEvents([received, { step: 'grade_skipped', outcome: 'info', details: { passbackId, reason: '', code: 'not_better', bestPercent: 0 } }]);
  const values: RecordAttemptValues = {
    workspaceId,
    launchId: launch.id,
    correlationId: launch.correlation_id,
    attemptKey: input.attemptKey,
    scorePercent: input.scorePercent,
    submittedAt: input.submittedAt,
    platformId: launch.platform_id,
    ltiSub: launch.lti_sub,
    targetKey,
    lineitemUrl: launch.ags_lineitem_url,
    passbackId,
    jobId,
    queuedEvents: JSON.stringify(queuedEvents),
    skippedEvents: JSON.stringify(skippedEvents),
  };
  return db.transaction().execute(async (trx) => {
    const row = (await recordAttemptStatement(values).execute(trx)).rows[0];
    if (!row) {
      // The attempt key was taken (ON CONFLICT DO NOTHING wrote nothing): answer with the original.
      const found = await attemptWithPassback(trx, workspaceId, input.attemptKey);
      if (!found) throw new Error('recordAttempt: the attempt key conflicted but no attempt was found');
      const sameInput = found.attempt.launch_id === launch.id && samePercent(found.attempt.score_percent, input.scorePercent);
      return { kind: 'duplicate' as const, attempt: found.attempt, passback: found.passback, sameInput };
    }
    const { _a_id, _a_score_percent, _a_submitted_at, _a_created_at, ...passback } = row;
    if (passback.status === 'queued') await input.queue.enqueue(passbackId, { trx, jobId });
    const attempt: Attempt = {
      id: _a_id,
      workspace_id: workspaceId,
      launch_id: launch.id,
      attempt_key: input.attemptKey,
      score_percent: _a_score_percent,
      submitted_at: _a_submitted_at,
      created_at: _a_created_at,
    };
    return { kind: 'created' as const, attempt, passback };
  });
}

interface RecordAttemptValues {
  workspaceId: string;
  launchId: string;
  correlationId: string;
  attemptKey: string;
  scorePercent: number;
  submittedAt: Date;
  platformId: string;
  ltiSub: string;
  targetKey: string;
  lineitemUrl: string | null;
  passbackId: string;
  jobId: string;
  /** The timeline row's events (JSON) when the score is queued, and when it is skipped. */
  queuedEvents: string;
  skippedEvents: string;
}

type RecordedRow = GradePassback & { _a_id: string; _a_score_percent: number; _a_submitted_at: Date; _a_created_at: Date };

/**
 * The attempt, best-of-N, the passback and its timeline row in one statement (data-modifying
 * CTEs; a single statement is atomic). Each step runs only on the previous one's row: a taken
 * attempt key writes nothing and returns no row.
 *
 * Best-of-N: the upsert on grade_best_scores always takes the key row's lock and, through
 * RETURNING, reads its CURRENT version (not the statement's snapshot): a strictly better score
 * becomes the best (`won`); otherwise the row keeps its values and `best_percent` is the best
 * this score lost to — what the skip's reason names, as a separate read under the lock did.
 * Concurrent attempts for one key serialise on that row.
 *
 * The reason's number is formatted as `formatPercent` does (decimal rounding to 2 places,
 * trailing zeros dropped).
 */
function recordAttemptStatement(v: RecordAttemptValues) {
  return sql<RecordedRow>`
    with a as (
      insert into attempts (workspace_id, launch_id, attempt_key, score_percent, submitted_at)
      values (${v.workspaceId}, ${v.launchId}, ${v.attemptKey}, ${v.scorePercent}, ${v.submittedAt})
      on conflict (workspace_id, attempt_key) do nothing
      returning id, score_percent, submitted_at, created_at
    ), b as (
      insert into grade_best_scores as g (platform_id, target_key, lti_sub, workspace_id, best_percent, best_passback_id)
      select ${v.platformId}, ${v.targetKey}, ${v.ltiSub}, ${v.workspaceId}, a.score_percent, ${v.passbackId}::uuid from a
      on conflict (platform_id, target_key, lti_sub) do update set
        best_percent = case when g.best_percent < excluded.best_percent then excluded.best_percent else g.best_percent end,
        best_passback_id = case when g.best_percent < excluded.best_percent then excluded.best_passback_id else g.best_passback_id end,
        updated_at = case when g.best_percent < excluded.best_percent then now() else g.updated_at end
      returning best_percent, best_passback_id is not distinct from ${v.passbackId}::uuid as won
    ), d as (
      select won, best_percent, case when won then null else 'not better than ' || trim_scale(round(best_percent::text::numeric, 2))::text || ' %' end as reason from b
    ), p as (
      insert into grade_passbacks (id, workspace_id, attempt_id, launch_id, platform_id, lineitem_url, target_key, lti_sub, score_percent, status, skip_code, skip_reason, job_id)
      select ${v.passbackId}::uuid, ${v.workspaceId}, a.id, ${v.launchId}, ${v.platformId}, ${v.lineitemUrl}, ${v.targetKey}, ${v.ltiSub}, a.score_percent,
        case when d.won then 'queued' else 'skipped' end,
        case when d.won then null else 'not_better' end,
        d.reason,
        case when d.won then ${v.jobId}::uuid end
      from a cross join d
      returning *
    ), t as (
      insert into launch_timeline (correlation_id, workspace_id, events)
      select ${v.correlationId}, ${v.workspaceId}, case when d.won then ${v.queuedEvents}::jsonb
        else jsonb_set(jsonb_set(${v.skippedEvents}::jsonb, '{1,details,reason}', to_jsonb(d.reason)), '{1,details,bestPercent}', to_jsonb(d.best_percent)) end
      from d
    )
    select p.*, a.id as _a_id, a.score_percent as _a_score_percent, a.submitted_at as _a_submitted_at, a.created_at as _a_created_at
    from p cross join a`;
}

/** An attempt by its key and its passback (if any). */
async function attemptWithPassback(db: Db, workspaceId: string, attemptKey: string): Promise<{ attempt: Attempt; passback: GradePassback | undefined } | undefined> {
  const attempt = await db.selectFrom('attempts').selectAll().where('workspace_id', '=', workspaceId).where('attempt_key', '=', attemptKey).executeTakeFirst();
  if (!attempt) return undefined;
  const passback = await db.selectFrom('grade_passbacks').selectAll().where('attempt_id', '=', attempt.id).executeTakeFirst();
  return { attempt, passback };
}

/** A passback and its attempt, by the attempt key the host product used. */
export async function findPassbackByAttemptKey(
  db: Db,
  workspaceId: string,
  attemptKey: string,
): Promise<{ attempt: Attempt; passback: GradePassback | undefined; correlationId: string } | undefined> {
  const attempt = await db.selectFrom('attempts').selectAll().where('workspace_id', '=', workspaceId).where('attempt_key', '=', attemptKey).executeTakeFirst();
  if (!attempt) return undefined;
  const passback = await db.selectFrom('grade_passbacks').selectAll().where('attempt_id', '=', attempt.id).executeTakeFirst();
  const launch = await db.selectFrom('launches').select('correlation_id').where('id', '=', attempt.launch_id).executeTakeFirstOrThrow();
  return { attempt, passback, correlationId: launch.correlation_id };
}

// ------------------------------------------------------------------------------------------
// Retry (the dashboard's action on a failed passback)

export type RetryPassbackResult =
  | { ok: true; status: 'queued'; passbackId: string; jobId: string }
  | { ok: true; status: 'skipped'; passbackId: string; reason: string }
  | { ok: false; code: 'not_found' }
  | { ok: false; code: 'not_failed'; status: PassbackStatus };

/**
 * Retry a `failed` passback (the dashboard's Retry action). It is compared with the key's
 * best again: still better ⇒ `queued` (fresh line item resolution and timestamp) and a new
 * job written in the same transaction; no longer better ⇒ `skipped` (not better than …).
 */
export async function retryPassback(
  db: Kysely<Database>,
  queue: PassbackQueue,
  workspaceId: string,
  passbackId: string,
  opts: { actor?: string } = {},
): Promise<RetryPassbackResult> {
  return db.transaction().execute(async (trx) => {
    const p = await trx.selectFrom('grade_passbacks').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', passbackId).forUpdate().executeTakeFirst();
    if (!p) return { ok: false, code: 'not_found' } as const;
    if (p.status !== 'failed') return { ok: false, code: 'not_failed', status: p.status } as const;
    const launch = await trx.selectFrom('launches').select(['correlation_id', 'ags_lineitem_url']).where('id', '=', p.launch_id).executeTakeFirstOrThrow();
    const correlationId = launch.correlation_id;
    const won =
      p.platform_id && p.target_key
        ? await offerBestScore(trx, { platformId: p.platform_id, targetKey: p.target_key, ltiSub: p.lti_sub, workspaceId, percent: p.score_percent, passbackId: p.id })
        : false;
    if (opts.actor) await writeAudit(trx, { workspace_id: workspaceId, actor: opts.actor, action: 'passback.retry', target_type: 'grade_passback', target_id: p.id });
    if (!won) {
      const best = p.platform_id && p.target_key ? await bestRow(trx, p.platform_id, p.target_key, p.lti_sub) : undefined;
      const reason = `not better than ${formatPercent(best?.best_percent ?? 0)}`;
      await trx.updateTable('grade_passbacks').set({ status: 'skipped', skip_code: 'not_better', skip_reason: reason, updated_at: sql`now()` }).where('id', '=', p.id).execute();
      await appendEvents(trx, correlationId, workspaceId, [{ step: 'grade_skipped', outcome: 'info', details: { passbackId: p.id, code: 'not_better', reason, retry: true } }]);
      return { ok: true, status: 'skipped', passbackId: p.id, reason } as const;
    }
    const jobId = randomUUID();
    await trx
      .updateTable('grade_passbacks')
      .set({
        status: 'queued',
        job_id: jobId,
        error_code: null,
        error_message: null,
        lms_status: null,
        next_attempt_at: null,
        // Resolve the line item and the timestamp afresh: the fix may have been a new column.
        lineitem_url: launch.ags_lineitem_url,
        score_given: null,
        score_maximum: null,
        score_timestamp: null,
        updated_at: sql`now()`,
      })
      .where('id', '=', p.id)
      .execute();
    await queue.enqueue(p.id, { trx, jobId });
    await appendEvents(trx, correlationId, workspaceId, [
      { step: 'grade_queued', outcome: 'ok', details: { passbackId: p.id, jobId, retry: true, ...(opts.actor ? { by: opts.actor } : {}) } },
    ]);
    return { ok: true, status: 'queued', passbackId: p.id, jobId } as const;
  });
}
