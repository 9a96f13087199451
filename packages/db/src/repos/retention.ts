// Retention: what may be deleted, in bounded batches (each statement touches at most `batch`
// rows, so a large backlog never holds long locks). The runtime's retention job calls these.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../schema.js';

/** Deletes up to `batch` rows of `table` matching `where`, by primary key; returns how many. */
async function deleteBatch(db: Kysely<Database>, table: keyof Database, key: string, where: RawBuilder<unknown>, batch: number): Promise<number> {
  const r = await sql`delete from ${sql.table(table)} where ${sql.ref(key)} in (select ${sql.ref(key)} from ${sql.table(table)} where ${where} limit ${batch})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Login states past their expiry (used or not, with any landing code on them): a login is worth nothing after it. */
export const pruneLoginStates = (db: Kysely<Database>, expiredBefore: Date, batch = 5000) => deleteBatch(db, 'login_states', 'state', sql`expires_at < ${expiredBefore}`, batch);

/** Timeline rows (a write's events each) older than the retention window. */
export const pruneLaunchEvents = (db: Kysely<Database>, before: Date, batch = 5000) => deleteBatch(db, 'launch_timeline', 'id', sql`created_at < ${before}`, batch);

/**
 * Launches older than the retention window (their attempts and passbacks go with them) —
 * except a launch whose grade is still on its way to the LMS.
 */
export const pruneLaunches = (db: Kysely<Database>, before: Date, batch = 1000) =>
  deleteBatch(
    db,
    'launches',
    'id',
    sql`created_at < ${before} and not exists (select 1 from grade_passbacks p where p.launch_id = launches.id and p.status in ('received', 'queued'))`,
    batch,
  );
