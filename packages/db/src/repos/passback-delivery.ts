// The grade passback worker's steps: load a passback's work, claim its key's send lease, and
// record the outcome (sent, retry, failed) with its launch-timeline event in one transaction.
// Codes, numbers and the LMS's own message are stored; what a code means is the catalogue's
// (`explain` of @tether/errors), read where it is shown.
import { type Kysely, sql, type Transaction } from 'kysely';
import { jsonBuildObject } from 'kysely/helpers/postgres';
import { compiledOnce } from '../compiled-once.js';
import type { Database, GradePassback, Launch, PassbackStatus } from '../schema.js';
import { appendEvents, type EventInput, storedEvents } from './launches.js';
import { recomputeBest, releaseLease } from './passback-best-scores.js';
import { formatPercent } from './passback-records.js';

type Db = Kysely<Database> | Transaction<Database>;

/** What delivery needs of a passback's launch (set when it landed). */
export type PassbackLaunch = Pick<
  Launch,
  | 'id'
  | 'correlation_id'
  | 'workspace_id'
  | 'platform_id'
  | 'deployment_id'
  | 'lti_sub'
  | 'resource_link_id'
  | 'resource_link_title'
  | 'scenario_id'
  | 'ags_lineitem_url'
  | 'ags_lineitems_url'
  | 'ags_scopes'
>;

export interface PassbackWork {
  passback: GradePassback;
  attemptKey: string;
  submittedAt: Date;
  launch: PassbackLaunch;
}

/** A passback with its attempt and launch: one statement, built once (the worker runs it for every job). */
export async function loadPassbackWork(db: Db, passbackId: string): Promise<PassbackWork | undefined> {
  const [row] = await passbackWorkStatement(db as Kysely<Database>, { passbackId });
  if (!row) return undefined;
  const { _attempt_key, _submitted_at, _launch, ...passback } = row;
  return { passback, attemptKey: _attempt_key, submittedAt: _submitted_at, launch: _launch as PassbackLaunch };
}

const passbackWorkStatement = compiledOnce((db, p: { passbackId: string }) =>
  db
    .selectFrom('grade_passbacks as p')
    .innerJoin('attempts as a', 'a.id', 'p.attempt_id')
    .innerJoin('launches as l', 'l.id', 'p.launch_id')
    .selectAll('p')
    .select((eb) => [
      'a.attempt_key as _attempt_key',
      'a.submitted_at as _submitted_at',
      // Only text columns: they come back from JSON as they went in.
      jsonBuildObject({
        id: eb.ref('l.id'),
        correlation_id: eb.ref('l.correlation_id'),
        workspace_id: eb.ref('l.workspace_id'),
        platform_id: eb.ref('l.platform_id'),
        deployment_id: eb.ref('l.deployment_id'),
        lti_sub: eb.ref('l.lti_sub'),
        resource_link_id: eb.ref('l.resource_link_id'),
        resource_link_title: eb.ref('l.resource_link_title'),
        scenario_id: eb.ref('l.scenario_id'),
        ags_lineitem_url: eb.ref('l.ags_lineitem_url'),
        ags_lineitems_url: eb.ref('l.ags_lineitems_url'),
        ags_scopes: eb.ref('l.ags_scopes'),
      }).as('_launch'),
    ])
    .where('p.id', '=', p.passbackId),
);

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

/** The line item and scaled score of a passback, kept so a redelivery re-sends the identical score. */
export interface ResolvedScore {
  lineitemUrl: string;
  scoreGiven: number;
  scoreMaximum: number;
}

const NO_PLATFORM = '00000000-0000-0000-0000-000000000000';

/**
 * Before sending: in one transaction, check that the passback is still queued and still the
 * best for its key (else it is skipped as superseded), that no other passback of the key is
 * being sent (else `busy`), then take the key's send lease for `leaseSec`, count the try and
 * fix the score timestamp (the attempt's submittedAt, moved just past the last timestamp sent
 * for the key when it is not later; kept as is on a redelivery so the LMS sees an identical retry).
 *
 * `resolve` (no I/O) may give the passback's line item and scaled score when they are not
 * stored yet and already known (cached): they are stored with the claim. Otherwise the caller
 * resolves them after the claim and stores them with `saveResolvedScore` before sending.
 *
 * Statements: the passback locked, then one statement that takes the lease only when the
 * conditions hold (checked on the locked key row) and counts the try; the reasons for not
 * claiming are read only when it did not.
 */
export async function claimPassback(
  db: Kysely<Database>,
  ref: PassbackRef,
  opts: {
    leaseSec: number;
    resolve?: (p: GradePassback) => ResolvedScore | undefined;
    /**
     * The passback as the caller just loaded it: the claim is then tried in ONE statement
     * first (the usual case); when it does not claim, the transaction below finds out why.
     */
    loaded?: GradePassback;
  },
): Promise<PassbackClaimResult> {
  if (opts.loaded) {
    const claimed = await claimInOneStatement(
      db,
      ref.id,
      opts.leaseSec,
      opts.loaded.lineitem_url === null || opts.loaded.score_given === null || opts.loaded.score_maximum === null ? opts.resolve?.(opts.loaded) : undefined,
    );
    if (claimed) return { kind: 'claimed', passback: claimed, timestamp: claimed.score_timestamp! } as const;
  }
  return db.transaction().execute(async (trx) => {
    const p = await trx.selectFrom('grade_passbacks').selectAll().where('id', '=', ref.id).forUpdate().executeTakeFirst();
    if (!p) return { kind: 'done', status: 'missing' } as const;
    if (p.status !== 'queued') return { kind: 'done', status: p.status } as const;
    const keyOf = { platformId: p.platform_id ?? NO_PLATFORM, targetKey: p.target_key ?? '', ltiSub: p.lti_sub };
    const resolved = p.lineitem_url === null || p.score_given === null || p.score_maximum === null ? opts.resolve?.(p) : undefined;

    // The UPDATE locks the key row and re-checks its conditions on the current row version.
    const claimed = await trx
      .with('lease', (qb) =>
        qb
          .updateTable('grade_best_scores')
          .set({ sending_passback_id: p.id, sending_until: sql`now() + make_interval(secs => ${opts.leaseSec})`, updated_at: sql`now()` })
          .where('platform_id', '=', keyOf.platformId)
          .where('target_key', '=', keyOf.targetKey)
          .where('lti_sub', '=', keyOf.ltiSub)
          .where('best_passback_id', '=', p.id)
          .where((eb) => eb.or([eb('sending_passback_id', 'is', null), eb('sending_passback_id', '=', p.id), sql<boolean>`not coalesce(sending_until > now(), false)`]))
          .returning('last_sent_timestamp'),
      )
      .updateTable('grade_passbacks')
      .set({
        tries: sql`tries + 1`,
        // The attempt's submittedAt, moved just past the last timestamp sent for the key.
        score_timestamp: sql`coalesce(score_timestamp, greatest(
          (select submitted_at from attempts where attempts.id = grade_passbacks.attempt_id),
          (select last_sent_timestamp + interval '1 millisecond' from lease)))`,
        ...(resolved ? { lineitem_url: resolved.lineitemUrl, score_given: resolved.scoreGiven, score_maximum: resolved.scoreMaximum } : {}),
        next_attempt_at: null,
        updated_at: sql`now()`,
      })
      .where('id', '=', p.id)
      .where(sql<boolean>`exists (select 1 from lease)`)
      .returningAll()
      .executeTakeFirst();
    if (claimed) return { kind: 'claimed', passback: claimed, timestamp: claimed.score_timestamp! } as const;

    // Not claimed: superseded (skip it) or another passback of the key holds the lease.
    const best = await trx
      .selectFrom('grade_best_scores')
      .selectAll()
      .select(sql<boolean>`coalesce(sending_until > now(), false)`.as('lease_active'))
      .where('platform_id', '=', keyOf.platformId)
      .where('target_key', '=', keyOf.targetKey)
      .where('lti_sub', '=', keyOf.ltiSub)
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
    return { kind: 'busy', holder: best.sending_passback_id ?? '' } as const;
  });
}

/**
 * The claim when it succeeds, as one statement: the passback is locked and re-checked
 * (`for update` reads its current version: still queued), then the key row's lease is taken
 * under the same conditions as in `claimPassback`'s transaction, then the try is counted. A
 * resolution is stored only where the row has none yet (a redelivery may have stored one).
 */
async function claimInOneStatement(db: Kysely<Database>, passbackId: string, leaseSec: number, resolved: ResolvedScore | undefined): Promise<GradePassback | undefined> {
  const unresolved = sql<boolean>`(grade_passbacks.lineitem_url is null or grade_passbacks.score_given is null or grade_passbacks.score_maximum is null)`;
  const r = await sql<GradePassback>`
    with p as (
      select id, coalesce(platform_id, ${NO_PLATFORM}::uuid) as platform_id, coalesce(target_key, '') as target_key, lti_sub
      from grade_passbacks where id = ${passbackId} and status = 'queued' for update
    ), lease as (
      update grade_best_scores b
      set sending_passback_id = p.id, sending_until = now() + make_interval(secs => ${leaseSec}), updated_at = now()
      from p
      where b.platform_id = p.platform_id and b.target_key = p.target_key and b.lti_sub = p.lti_sub
        and b.best_passback_id = p.id
        and (b.sending_passback_id is null or b.sending_passback_id = p.id or not coalesce(b.sending_until > now(), false))
      returning b.last_sent_timestamp
    )
    update grade_passbacks
    set tries = tries + 1,
      score_timestamp = coalesce(score_timestamp, greatest(
        (select submitted_at from attempts where attempts.id = grade_passbacks.attempt_id),
        (select last_sent_timestamp + interval '1 millisecond' from lease))),
      lineitem_url = case when ${unresolved} and ${resolved?.lineitemUrl ?? null}::text is not null then ${resolved?.lineitemUrl ?? null}::text else lineitem_url end,
      score_given = case when ${unresolved} and ${resolved?.lineitemUrl ?? null}::text is not null then ${resolved?.scoreGiven ?? null}::real else score_given end,
      score_maximum = case when ${unresolved} and ${resolved?.lineitemUrl ?? null}::text is not null then ${resolved?.scoreMaximum ?? null}::real else score_maximum end,
      next_attempt_at = null,
      updated_at = now()
    where id = ${passbackId} and exists (select 1 from lease)
    returning *`.execute(db);
  return r.rows[0];
}

/** Keeps what was resolved for a claimed passback, so a redelivery re-sends the identical score. */
export async function saveResolvedScore(db: Db, passbackId: string, v: { lineitemUrl: string; scoreGiven: number; scoreMaximum: number }): Promise<void> {
  await db
    .updateTable('grade_passbacks')
    .set({ lineitem_url: v.lineitemUrl, score_given: v.scoreGiven, score_maximum: v.scoreMaximum, updated_at: sql`now()` })
    .where('id', '=', passbackId)
    .execute();
}

/**
 * The LMS accepted the score: the passback is `sent` with the LMS status, its key row (last
 * sent, lease given back) and its timeline event — ONE statement (data-modifying CTEs, atomic
 * on its own): the key row and the event are written only when the passback was still queued.
 */
export async function markPassbackSent(
  db: Kysely<Database>,
  ref: PassbackRef,
  v: { lmsStatus: number; timestamp: Date; lineitemUrl: string; scoreGiven: number; scoreMaximum: number },
): Promise<boolean> {
  // The event's percent and tries are the row's: filled in by the statement.
  const events = storedEvents([
    {
      step: 'grade_sent',
      outcome: 'ok',
      details: {
        passbackId: ref.id,
        lmsStatus: v.lmsStatus,
        scoreGiven: v.scoreGiven,
        scoreMaximum: v.scoreMaximum,
        percent: 0,
        lineItem: v.lineitemUrl,
        timestamp: v.timestamp.toISOString(),
        tries: 0,
      },
    },
  ]);
  const p = await db
    .with('sent', (qb) =>
      qb
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
        .returningAll(),
    )
    .with('key_row', (qb) =>
      qb
        .updateTable('grade_best_scores as b')
        .from('sent as s')
        .set({
          last_sent_passback_id: sql`s.id`,
          last_sent_percent: sql`s.score_percent`,
          last_sent_timestamp: sql`greatest(coalesce(b.last_sent_timestamp, ${v.timestamp}::timestamptz), ${v.timestamp}::timestamptz)`,
          sending_passback_id: sql`case when b.sending_passback_id = s.id then null else b.sending_passback_id end`,
          sending_until: sql`case when b.sending_passback_id = s.id then null else b.sending_until end`,
          updated_at: sql`now()`,
        })
        .whereRef('b.platform_id', '=', sql`coalesce(s.platform_id, ${NO_PLATFORM}::uuid)`)
        .whereRef('b.target_key', '=', sql`coalesce(s.target_key, '')`)
        .whereRef('b.lti_sub', '=', 's.lti_sub')
        .returning('b.lti_sub'),
    )
    .with('ev', (qb) =>
      qb
        .insertInto('launch_timeline')
        .columns(['correlation_id', 'workspace_id', 'events'])
        .expression(
          sql`select ${ref.correlationId}, ${ref.workspaceId}::uuid,
            jsonb_set(jsonb_set(${JSON.stringify(events)}::jsonb, '{0,details,percent}', to_jsonb(s.score_percent)), '{0,details,tries}', to_jsonb(s.tries))
          from sent s`,
        ),
    )
    .selectFrom('sent')
    .select(['sent.id'])
    .executeTakeFirst();
  return p !== undefined;
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
