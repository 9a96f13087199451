// The best-of-N row of a key (grade_best_scores: platform + line item or resource link +
// learner): which passback is the best, the last score sent, and the send lease. Shared by
// recording (passback-records.ts) and delivery (passback-delivery.ts); not part of the
// package's surface.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, GradeBestScore, GradePassback } from '../schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A passback's best-of-N key columns. */
export type PassbackKey = Pick<GradePassback, 'id' | 'platform_id' | 'target_key' | 'lti_sub'>;

export async function bestRow(db: Db, platformId: string, targetKey: string, ltiSub: string, forUpdate = false): Promise<GradeBestScore | undefined> {
  let q = db.selectFrom('grade_best_scores').selectAll().where('platform_id', '=', platformId).where('target_key', '=', targetKey).where('lti_sub', '=', ltiSub);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

/**
 * Makes the passback the key's best when its score is strictly better (or the key has no best
 * yet), atomically: concurrent offers for one key serialise on the row. True when it became
 * the best; when false, the row is locked and a `bestRow` read in the same transaction is current.
 */
export async function offerBestScore(
  trx: Db,
  v: { platformId: string; targetKey: string; ltiSub: string; workspaceId: string; percent: number; passbackId: string },
): Promise<boolean> {
  const won = await trx
    .insertInto('grade_best_scores')
    .values({ platform_id: v.platformId, target_key: v.targetKey, lti_sub: v.ltiSub, workspace_id: v.workspaceId, best_percent: v.percent, best_passback_id: v.passbackId })
    .onConflict((oc) =>
      oc
        .columns(['platform_id', 'target_key', 'lti_sub'])
        .doUpdateSet({ best_percent: sql`excluded.best_percent`, best_passback_id: sql`excluded.best_passback_id`, updated_at: sql`now()` })
        .where(sql<boolean>`grade_best_scores.best_percent < excluded.best_percent`),
    )
    .returning('best_passback_id')
    .executeTakeFirst();
  return won !== undefined;
}

/** Gives the key's send lease back, if this passback holds it. */
export async function releaseLease(trx: Db, p: PassbackKey): Promise<void> {
  await trx
    .updateTable('grade_best_scores')
    .set({ sending_passback_id: null, sending_until: null, updated_at: sql`now()` })
    .where('platform_id', '=', p.platform_id ?? '00000000-0000-0000-0000-000000000000')
    .where('target_key', '=', p.target_key ?? '')
    .where('lti_sub', '=', p.lti_sub)
    .where('sending_passback_id', '=', p.id)
    .execute();
}

/** Which queued or sent passback is now the best for a key (after the previous best failed). */
export async function recomputeBest(trx: Db, p: PassbackKey): Promise<void> {
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
