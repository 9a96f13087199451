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
import type { Attempt, Database, GradePassback, Launch, PassbackSkipCode, PassbackStatus } from '../schema.js';
import { writeAudit } from './audit.js';
import { appendEvents, type EventInput } from './launches.js';
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

export const formatPercent = (p: number) => `${Number(p.toFixed(2))} %`;

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
 */
export async function recordAttempt(db: Kysely<Database>, input: RecordAttemptInput): Promise<RecordAttemptResult> {
  const { launch, workspaceId } = input;
  const targetKey = passbackTargetKey(launch);
  if (!targetKey || !launch.platform_id || !launch.lti_sub) throw new Error('recordAttempt: the launch has no AGS endpoint, platform or learner');
  const platformId = launch.platform_id;
  const ltiSub = launch.lti_sub;
  return db.transaction().execute(async (trx) => {
    const attempt = await trx
      .insertInto('attempts')
      .values({ workspace_id: workspaceId, launch_id: launch.id, attempt_key: input.attemptKey, score_percent: input.scorePercent, submitted_at: input.submittedAt })
      .onConflict((oc) => oc.columns(['workspace_id', 'attempt_key']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!attempt) {
      const existing = await trx.selectFrom('attempts').selectAll().where('workspace_id', '=', workspaceId).where('attempt_key', '=', input.attemptKey).executeTakeFirstOrThrow();
      const passback = await trx.selectFrom('grade_passbacks').selectAll().where('attempt_id', '=', existing.id).executeTakeFirst();
      const sameInput = existing.launch_id === launch.id && samePercent(existing.score_percent, input.scorePercent);
      return { kind: 'duplicate' as const, attempt: existing, passback, sameInput };
    }

    const passbackId = randomUUID();
    const won = await offerBestScore(trx, { platformId, targetKey, ltiSub, workspaceId, percent: input.scorePercent, passbackId });

    let skip: { code: PassbackSkipCode; reason: string; best: number } | null = null;
    if (!won) {
      // ON CONFLICT locked the row even though it did not update it: this read is current.
      const best = await bestRow(trx, platformId, targetKey, ltiSub);
      const bestPercent = best?.best_percent ?? 0;
      skip = { code: 'not_better', reason: `not better than ${formatPercent(bestPercent)}`, best: bestPercent };
    }
    const jobId = skip ? null : randomUUID();
    const passback = await trx
      .insertInto('grade_passbacks')
      .values({
        id: passbackId,
        workspace_id: workspaceId,
        attempt_id: attempt.id,
        launch_id: launch.id,
        platform_id: platformId,
        lineitem_url: launch.ags_lineitem_url,
        target_key: targetKey,
        lti_sub: ltiSub,
        score_percent: input.scorePercent,
        status: skip ? 'skipped' : 'queued',
        skip_code: skip?.code ?? null,
        skip_reason: skip?.reason ?? null,
        job_id: jobId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (jobId) await input.queue.enqueue(passbackId, { trx, jobId });

    const events: EventInput[] = [
      { step: 'grade_received', outcome: 'ok', details: { attemptId: input.attemptKey, percent: input.scorePercent, submittedAt: input.submittedAt.toISOString(), passbackId } },
      skip
        ? { step: 'grade_skipped', outcome: 'info', details: { passbackId, reason: skip.reason, code: skip.code, bestPercent: skip.best } }
        : { step: 'grade_queued', outcome: 'ok', details: { passbackId, jobId, lineItem: launch.ags_lineitem_url ?? null } },
    ];
    await appendEvents(trx, launch.correlation_id, workspaceId, events);
    return { kind: 'created' as const, attempt, passback };
  });
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
