// Grade passback storage: graded attempts, the best-of-N decision, the passback rows the
// queue worker drives, their launch-timeline events, and the dashboard's queries.
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
// the runtime implements it with pg-boss (createPgBossPassbackQueue in @tether/runtime).
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Attempt, Database, GradeBestScore, GradePassback, Launch, PassbackSkipCode, PassbackStatus } from '../schema.js';
import { appendEvents, type EventInput } from './launches.js';
import { writeAudit } from './audit.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The pg-boss queue the runtime's worker drains; a job's data is `{ passbackId }` only. */
export const PASSBACK_QUEUE_NAME = 'grade-passback';

export interface PassbackQueue {
  /**
   * Schedule delivery of a passback. With `trx`, the job is written inside that transaction
   * (it exists exactly when the transaction commits); `jobId` fixes the job's id.
   */
  enqueue(passbackId: string, opts?: { trx?: Transaction<Database>; jobId?: string }): Promise<void>;
}

/** What the dashboard shows for a failure code: what happened and what fixes it. */
export const PASSBACK_ERROR_HELP: Record<string, { explanation: string; fix: string }> = {
  ags_scope_missing: {
    explanation: 'The LMS did not grant the AGS scope this step needs (score posting or line item management), or answered 403.',
    fix: 'Enable grade passback ("Assignment and Grade Services", score + line item scopes) for the tool in the LMS, then have the learner launch again and retry.',
  },
  ags_lineitem_not_found: {
    explanation: 'The LMS answered 404 for the grade column (line item): it was deleted or the URL is wrong.',
    fix: 'Recreate the assignment/grade column in the LMS (or relaunch the activity so the LMS sends a fresh line item), then retry.',
  },
  ags_token_rejected: {
    explanation: 'The LMS token endpoint refused the tool\'s client assertion (client ID, key or audience mismatch).',
    fix: 'Check the platform\'s client ID, token URL and token audience in Tether, and that the LMS has the tool\'s current JWKS URL; then retry.',
  },
  ags_request_rejected: {
    explanation: 'The LMS refused the score (a 4xx other than 401/403/404), for example an out-of-range score or an older timestamp.',
    fix: 'Read the LMS message in the details; fix the grade column settings (maximum, "can exceed") and retry.',
  },
  ags_platform_unavailable: {
    explanation: 'The LMS was unreachable or answered 5xx/429 on every try.',
    fix: 'Check that the LMS is up and reachable from Tether, then retry.',
  },
  ags_invalid_score: { explanation: 'The score broke an AGS rule and was not sent.', fix: 'Report this to the Tether maintainers with the correlation ID.' },
  ags_invalid_lineitem: { explanation: 'A line item could not be created for the resource link (invalid label or maximum).', fix: 'Create the grade column in the LMS by hand, relaunch, then retry.' },
  ags_invalid_response: { explanation: 'The LMS answered with something Tether cannot use (not JSON, wrong shape).', fix: 'Check the LMS\'s AGS configuration; retry later.' },
  ags_not_available: { explanation: 'The launch carried no usable AGS endpoint for this learner.', fix: 'Enable grade passback for the tool in the LMS and launch again.' },
  platform_not_found: { explanation: 'The platform (LMS registration) of this launch was removed from Tether.', fix: 'Re-add the platform, have the learner launch again, then retry.' },
  internal_error: { explanation: 'Tether failed while delivering the grade, on every try.', fix: 'Check the runtime logs for the correlation ID, then retry.' },
  job_failed: { explanation: 'The delivery job stopped without finishing (the runtime was killed while sending, repeatedly).', fix: 'Check the runtime logs, then retry.' },
};

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
      const existing = await trx
        .selectFrom('attempts')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('attempt_key', '=', input.attemptKey)
        .executeTakeFirstOrThrow();
      const passback = await trx.selectFrom('grade_passbacks').selectAll().where('attempt_id', '=', existing.id).executeTakeFirst();
      const sameInput = existing.launch_id === launch.id && samePercent(existing.score_percent, input.scorePercent);
      return { kind: 'duplicate' as const, attempt: existing, passback, sameInput };
    }

    const passbackId = randomUUID();
    const won = await trx
      .insertInto('grade_best_scores')
      .values({ platform_id: platformId, target_key: targetKey, lti_sub: ltiSub, workspace_id: workspaceId, best_percent: input.scorePercent, best_passback_id: passbackId })
      .onConflict((oc) =>
        oc
          .columns(['platform_id', 'target_key', 'lti_sub'])
          .doUpdateSet({ best_percent: sql`excluded.best_percent`, best_passback_id: sql`excluded.best_passback_id`, updated_at: sql`now()` })
          .where(sql<boolean>`grade_best_scores.best_percent < excluded.best_percent`),
      )
      .returning('best_passback_id')
      .executeTakeFirst();

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

async function bestRow(db: Db, platformId: string, targetKey: string, ltiSub: string, forUpdate = false): Promise<GradeBestScore | undefined> {
  let q = db.selectFrom('grade_best_scores').selectAll().where('platform_id', '=', platformId).where('target_key', '=', targetKey).where('lti_sub', '=', ltiSub);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
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
// The worker's steps

export interface PassbackWork {
  passback: GradePassback;
  attemptKey: string;
  submittedAt: Date;
  launch: Launch;
}

export async function loadPassbackWork(db: Db, passbackId: string): Promise<PassbackWork | undefined> {
  const passback = await db.selectFrom('grade_passbacks').selectAll().where('id', '=', passbackId).executeTakeFirst();
  if (!passback) return undefined;
  const attempt = await db.selectFrom('attempts').select(['attempt_key', 'submitted_at']).where('id', '=', passback.attempt_id).executeTakeFirstOrThrow();
  const launch = await db.selectFrom('launches').selectAll().where('id', '=', passback.launch_id).executeTakeFirstOrThrow();
  return { passback, attemptKey: attempt.attempt_key, submittedAt: attempt.submitted_at, launch };
}

/** Where a passback's events go: its launch's timeline. */
export interface PassbackRef {
  id: string;
  workspaceId: string;
  correlationId: string;
}

export const passbackRef = (w: PassbackWork): PassbackRef => ({ id: w.passback.id, workspaceId: w.passback.workspace_id, correlationId: w.launch.correlation_id });

export type PassbackClaimResult =
  | { kind: 'claimed'; passback: GradePassback; timestamp: Date }
  | { kind: 'done'; status: PassbackStatus | 'missing' }
  | { kind: 'superseded'; bestPercent: number | null }
  | { kind: 'busy'; holder: string };

/**
 * Before sending: in one transaction, check that the passback is still queued and still the
 * best for its key (else it is skipped as superseded), that no other passback of the key is
 * being sent (else `busy`), then take the key's send lease for `leaseSec`, count the try and
 * fix the score timestamp (the attempt's submittedAt, moved just past the last timestamp sent
 * for the key when it is not later; kept as is on a redelivery so the LMS sees an identical retry).
 */
export async function claimPassback(db: Kysely<Database>, ref: PassbackRef, opts: { leaseSec: number }): Promise<PassbackClaimResult> {
  return db.transaction().execute(async (trx) => {
    const p = await trx.selectFrom('grade_passbacks').selectAll().where('id', '=', ref.id).forUpdate().executeTakeFirst();
    if (!p) return { kind: 'done', status: 'missing' } as const;
    if (p.status !== 'queued') return { kind: 'done', status: p.status } as const;
    const best = await trx
      .selectFrom('grade_best_scores')
      .selectAll()
      .select(sql<boolean>`coalesce(sending_until > now(), false)`.as('lease_active'))
      .where('platform_id', '=', p.platform_id ?? '00000000-0000-0000-0000-000000000000')
      .where('target_key', '=', p.target_key ?? '')
      .where('lti_sub', '=', p.lti_sub)
      .forUpdate()
      .executeTakeFirst();
    if (!best || best.best_passback_id !== p.id) {
      const bestPercent = best && best.best_percent >= 0 ? best.best_percent : null;
      const reason = bestPercent === null ? 'superseded' : `superseded by a better score (${formatPercent(bestPercent)})`;
      await trx
        .updateTable('grade_passbacks')
        .set({ status: 'skipped', skip_code: 'superseded', skip_reason: reason, next_attempt_at: null, updated_at: sql`now()` })
        .where('id', '=', p.id)
        .execute();
      await appendEvents(trx, ref.correlationId, ref.workspaceId, [{ step: 'grade_skipped', outcome: 'info', details: { passbackId: p.id, code: 'superseded', reason, bestPercent } }]);
      return { kind: 'superseded', bestPercent } as const;
    }
    if (best.sending_passback_id && best.sending_passback_id !== p.id && best.lease_active) return { kind: 'busy', holder: best.sending_passback_id } as const;

    let timestamp = p.score_timestamp;
    if (!timestamp) {
      const attempt = await trx.selectFrom('attempts').select('submitted_at').where('id', '=', p.attempt_id).executeTakeFirstOrThrow();
      const floor = best.last_sent_timestamp ? best.last_sent_timestamp.getTime() + 1 : 0;
      timestamp = new Date(Math.max(attempt.submitted_at.getTime(), floor));
    }
    const passback = await trx
      .updateTable('grade_passbacks')
      .set({ tries: sql`tries + 1`, score_timestamp: timestamp, next_attempt_at: null, updated_at: sql`now()` })
      .where('id', '=', p.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('grade_best_scores')
      .set({ sending_passback_id: p.id, sending_until: sql`now() + make_interval(secs => ${opts.leaseSec})`, updated_at: sql`now()` })
      .where('platform_id', '=', best.platform_id)
      .where('target_key', '=', best.target_key)
      .where('lti_sub', '=', best.lti_sub)
      .execute();
    return { kind: 'claimed', passback, timestamp } as const;
  });
}

/** Keeps what was resolved for a claimed passback, so a redelivery re-sends the identical score. */
export async function saveResolvedScore(db: Db, passbackId: string, v: { lineitemUrl: string; scoreGiven: number; scoreMaximum: number }): Promise<void> {
  await db
    .updateTable('grade_passbacks')
    .set({ lineitem_url: v.lineitemUrl, score_given: v.scoreGiven, score_maximum: v.scoreMaximum, updated_at: sql`now()` })
    .where('id', '=', passbackId)
    .execute();
}

async function releaseLease(trx: Db, p: Pick<GradePassback, 'id' | 'platform_id' | 'target_key' | 'lti_sub'>): Promise<void> {
  await trx
    .updateTable('grade_best_scores')
    .set({ sending_passback_id: null, sending_until: null, updated_at: sql`now()` })
    .where('platform_id', '=', p.platform_id ?? '00000000-0000-0000-0000-000000000000')
    .where('target_key', '=', p.target_key ?? '')
    .where('lti_sub', '=', p.lti_sub)
    .where('sending_passback_id', '=', p.id)
    .execute();
}

/** The LMS accepted the score: the passback is `sent` with the LMS status, in the same transaction as its event. */
export async function markPassbackSent(
  db: Kysely<Database>,
  ref: PassbackRef,
  v: { lmsStatus: number; timestamp: Date; lineitemUrl: string; scoreGiven: number; scoreMaximum: number },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const p = await trx
      .updateTable('grade_passbacks')
      .set({
        status: 'sent',
        lms_status: v.lmsStatus,
        sent_at: sql`now()`,
        lineitem_url: v.lineitemUrl,
        score_given: v.scoreGiven,
        score_maximum: v.scoreMaximum,
        error_code: null,
        error_message: null,
        next_attempt_at: null,
        updated_at: sql`now()`,
      })
      .where('id', '=', ref.id)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    if (!p) return false;
    await trx
      .updateTable('grade_best_scores')
      .set({
        last_sent_passback_id: p.id,
        last_sent_percent: p.score_percent,
        last_sent_timestamp: sql`greatest(coalesce(last_sent_timestamp, ${v.timestamp}::timestamptz), ${v.timestamp}::timestamptz)`,
        sending_passback_id: sql`case when sending_passback_id = ${p.id}::uuid then null else sending_passback_id end`,
        sending_until: sql`case when sending_passback_id = ${p.id}::uuid then null else sending_until end`,
        updated_at: sql`now()`,
      })
      .where('platform_id', '=', p.platform_id ?? '00000000-0000-0000-0000-000000000000')
      .where('target_key', '=', p.target_key ?? '')
      .where('lti_sub', '=', p.lti_sub)
      .execute();
    await appendEvents(trx, ref.correlationId, ref.workspaceId, [
      {
        step: 'grade_sent',
        outcome: 'ok',
        details: { passbackId: p.id, lmsStatus: v.lmsStatus, scoreGiven: v.scoreGiven, scoreMaximum: v.scoreMaximum, percent: p.score_percent, lineItem: v.lineitemUrl, timestamp: v.timestamp.toISOString(), tries: p.tries },
      },
    ]);
    return true;
  });
}

/** A retryable failure: the passback stays queued, the lease is released, the timeline says when it tries again. */
export async function recordPassbackRetry(
  db: Kysely<Database>,
  ref: PassbackRef,
  v: { code: string; message: string; attempt: number; nextAttemptAt: Date | null; delaySec: number | null; status?: number | null },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const p = await trx
      .updateTable('grade_passbacks')
      .set({ error_code: v.code, error_message: v.message, next_attempt_at: v.nextAttemptAt, lms_status: v.status ?? null, updated_at: sql`now()` })
      .where('id', '=', ref.id)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    if (!p) return;
    await releaseLease(trx, p);
    await appendEvents(trx, ref.correlationId, ref.workspaceId, [
      { step: 'grade_retry', outcome: 'info', error_code: v.code, details: { passbackId: p.id, attempt: v.attempt, delaySec: v.delaySec, nextAttemptAt: v.nextAttemptAt?.toISOString() ?? null, message: v.message, ...(v.status ? { status: v.status } : {}) } },
    ]);
  });
}

/** Gives the lease back without recording anything (the passback will be tried again later). */
export async function releasePassbackLease(db: Db, passbackId: string): Promise<void> {
  const p = await db.selectFrom('grade_passbacks').select(['id', 'platform_id', 'target_key', 'lti_sub']).where('id', '=', passbackId).executeTakeFirst();
  if (p) await releaseLease(db, p);
}

/** Which queued or sent passback is now the best for a key (after the previous best failed). */
async function recomputeBest(trx: Db, p: Pick<GradePassback, 'id' | 'platform_id' | 'target_key' | 'lti_sub'>): Promise<void> {
  if (!p.platform_id || !p.target_key) return;
  const best = await bestRow(trx, p.platform_id, p.target_key, p.lti_sub, true);
  if (!best || best.best_passback_id !== p.id) return;
  const next = await trx
    .selectFrom('grade_passbacks')
    .select(['id', 'score_percent'])
    .where('platform_id', '=', p.platform_id)
    .where('target_key', '=', p.target_key)
    .where('lti_sub', '=', p.lti_sub)
    .where('status', 'in', ['queued', 'sent'])
    .where('id', '!=', p.id)
    .orderBy('score_percent', 'desc')
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  await trx
    .updateTable('grade_best_scores')
    .set({ best_percent: next?.score_percent ?? -1, best_passback_id: next?.id ?? null, updated_at: sql`now()` })
    .where('platform_id', '=', p.platform_id)
    .where('target_key', '=', p.target_key)
    .where('lti_sub', '=', p.lti_sub)
    .execute();
}

/**
 * A permanent failure (or retries used up): the passback is `failed` with its code, the
 * lease released, and the key's best falls back to the best queued/sent score left, so a
 * later attempt is compared with what can still reach the LMS.
 */
export async function markPassbackFailed(
  db: Kysely<Database>,
  ref: PassbackRef,
  v: { code: string; message: string; status?: number | null; details?: Record<string, unknown> },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const p = await trx
      .updateTable('grade_passbacks')
      .set({ status: 'failed', error_code: v.code, error_message: v.message, lms_status: v.status ?? null, next_attempt_at: null, updated_at: sql`now()` })
      .where('id', '=', ref.id)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    if (!p) return false;
    await releaseLease(trx, p);
    await recomputeBest(trx, p);
    const help = PASSBACK_ERROR_HELP[v.code];
    await appendEvents(trx, ref.correlationId, ref.workspaceId, [
      {
        step: 'grade_failed',
        outcome: 'error',
        error_code: v.code,
        details: { passbackId: p.id, code: v.code, message: v.message, tries: p.tries, ...(v.status ? { status: v.status } : {}), ...(help ? { explanation: help.explanation, fix: help.fix } : {}), ...(v.details ?? {}) },
      },
    ]);
    return true;
  });
}

/** Moves a passback to a new queue job (deferred while another passback of its key is being sent). */
export async function setPassbackJob(db: Db, passbackId: string, jobId: string): Promise<void> {
  await db.updateTable('grade_passbacks').set({ job_id: jobId, updated_at: sql`now()` }).where('id', '=', passbackId).execute();
}

export async function appendPassbackEvents(db: Db, ref: PassbackRef, events: EventInput[]): Promise<void> {
  await appendEvents(db, ref.correlationId, ref.workspaceId, events);
}

// ------------------------------------------------------------------------------------------
// Dashboard

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
    const ref: PassbackRef = { id: p.id, workspaceId, correlationId: launch.correlation_id };
    const won =
      p.platform_id && p.target_key
        ? await trx
            .insertInto('grade_best_scores')
            .values({ platform_id: p.platform_id, target_key: p.target_key, lti_sub: p.lti_sub, workspace_id: workspaceId, best_percent: p.score_percent, best_passback_id: p.id })
            .onConflict((oc) =>
              oc
                .columns(['platform_id', 'target_key', 'lti_sub'])
                .doUpdateSet({ best_percent: sql`excluded.best_percent`, best_passback_id: sql`excluded.best_passback_id`, updated_at: sql`now()` })
                .where(sql<boolean>`grade_best_scores.best_percent < excluded.best_percent`),
            )
            .returning('best_passback_id')
            .executeTakeFirst()
        : undefined;
    if (opts.actor) await writeAudit(trx, { workspace_id: workspaceId, actor: opts.actor, action: 'passback.retry', target_type: 'grade_passback', target_id: p.id });
    if (!won) {
      const best = p.platform_id && p.target_key ? await bestRow(trx, p.platform_id, p.target_key, p.lti_sub) : undefined;
      const reason = `not better than ${formatPercent(best?.best_percent ?? 0)}`;
      await trx.updateTable('grade_passbacks').set({ status: 'skipped', skip_code: 'not_better', skip_reason: reason, updated_at: sql`now()` }).where('id', '=', p.id).execute();
      await appendEvents(trx, ref.correlationId, workspaceId, [{ step: 'grade_skipped', outcome: 'info', details: { passbackId: p.id, code: 'not_better', reason, retry: true } }]);
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
    await appendEvents(trx, ref.correlationId, workspaceId, [{ step: 'grade_queued', outcome: 'ok', details: { passbackId: p.id, jobId, retry: true, ...(opts.actor ? { by: opts.actor } : {}) } }]);
    return { ok: true, status: 'queued', passbackId: p.id, jobId } as const;
  });
}

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
      // Full microsecond precision for the keyset cursor (a JS Date keeps milliseconds only).
      sql<string>`to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursorTs'),
    ]);
}

const encodeCursor = (ts: string, id: string) => Buffer.from(JSON.stringify([ts, id])).toString('base64url');
function decodeCursor(cursor: string): [string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0])) && /^[0-9a-f-]{36}$/i.test(v[1])) return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  return null;
}

export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';
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
    if (!c) throw new InvalidCursorError('cursor: not a cursor returned by listPassbacks');
    q = q.where(sql<boolean>`(p.created_at, p.id) < (${c[0]}::timestamptz, ${c[1]}::uuid)`);
  }
  const rows = await q.orderBy('p.created_at', 'desc').orderBy('p.id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ cursorTs: _c, ...r }) => r),
    nextCursor: rows.length > limit && last ? encodeCursor(last.cursorTs, last.id) : null,
  };
}

/** The passbacks of one launch, oldest first (the launch page; pass workspaceId to scope it). */
export async function passbacksForLaunch(db: Db, launchId: string, opts: { workspaceId?: string } = {}): Promise<PassbackListItem[]> {
  let q = listQuery(db).where('p.launch_id', '=', launchId);
  if (opts.workspaceId) q = q.where('p.workspace_id', '=', opts.workspaceId);
  const rows = await q.orderBy('p.created_at').orderBy('p.id').execute();
  return rows.map(({ cursorTs: _c, ...r }) => r);
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

/** Queued passbacks whose queue job is gone or finished (lost work to re-enqueue or give up on). */
export async function findOrphanedPassbacks(
  db: Db,
  opts: { queueName?: string; schema?: string; olderThanSec?: number; limit?: number } = {},
): Promise<{ id: string; jobState: string | null }[]> {
  const schema = opts.schema ?? 'pgboss';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error('invalid schema name');
  const queueName = opts.queueName ?? PASSBACK_QUEUE_NAME;
  const r = await sql<{ id: string; job_state: string | null }>`
    select p.id, coalesce(j.state::text, ar.state::text) as job_state
    from grade_passbacks p
    left join ${sql.table(`${schema}.job`)} j on j.name = ${queueName} and j.id = p.job_id
    left join ${sql.table(`${schema}.archive`)} ar on j.id is null and ar.name = ${queueName} and ar.id = p.job_id
    where p.status = 'queued'
      and p.updated_at < now() - make_interval(secs => ${opts.olderThanSec ?? 60})
      and (j.id is null or j.state::text in ('completed', 'cancelled', 'failed'))
    order by p.created_at
    limit ${opts.limit ?? 100}`.execute(db);
  return r.rows.map((x) => ({ id: x.id, jobState: x.job_state }));
}
