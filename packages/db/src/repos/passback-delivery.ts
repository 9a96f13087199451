// The grade passback worker's steps: load a passback's work, claim its key's send lease, and
// record the outcome (sent, retry, failed) with its launch-timeline event in one transaction.
// Codes, numbers and the LMS's own message are stored; what a code means is the catalogue's
// (`explain` of @tether/errors), read where it is shown.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, GradePassback, Launch, PassbackStatus } from '../schema.js';
import { appendEvents, type EventInput } from './launches.js';
import { recomputeBest, releaseLease } from './passback-best-scores.js';
import { formatPercent } from './passback-records.js';

type Db = Kysely<Database> | Transaction<Database>;

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
      await appendEvents(trx, ref.correlationId, ref.workspaceId, [
        { step: 'grade_skipped', outcome: 'info', details: { passbackId: p.id, code: 'superseded', reason, bestPercent } },
      ]);
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
        details: {
          passbackId: p.id,
          lmsStatus: v.lmsStatus,
          scoreGiven: v.scoreGiven,
          scoreMaximum: v.scoreMaximum,
          percent: p.score_percent,
          lineItem: v.lineitemUrl,
          timestamp: v.timestamp.toISOString(),
          tries: p.tries,
        },
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
      {
        step: 'grade_retry',
        outcome: 'info',
        error_code: v.code,
        details: {
          passbackId: p.id,
          attempt: v.attempt,
          delaySec: v.delaySec,
          nextAttemptAt: v.nextAttemptAt?.toISOString() ?? null,
          message: v.message,
          ...(v.status ? { status: v.status } : {}),
        },
      },
    ]);
  });
}

/** Gives the lease back without recording anything (the passback will be tried again later). */
export async function releasePassbackLease(db: Db, passbackId: string): Promise<void> {
  const p = await db.selectFrom('grade_passbacks').select(['id', 'platform_id', 'target_key', 'lti_sub']).where('id', '=', passbackId).executeTakeFirst();
  if (p) await releaseLease(db, p);
}

/**
 * A permanent failure (or retries used up): the passback is `failed` with its code, the
 * lease released, and the key's best falls back to the best queued/sent score left, so a
 * later attempt is compared with what can still reach the LMS. The event stores the code, not
 * its explanation: the dashboard explains codes from the one catalogue.
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
    await appendEvents(trx, ref.correlationId, ref.workspaceId, [
      {
        step: 'grade_failed',
        outcome: 'error',
        error_code: v.code,
        details: { passbackId: p.id, code: v.code, message: v.message, tries: p.tries, ...(v.status ? { status: v.status } : {}), ...(v.details ?? {}) },
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
