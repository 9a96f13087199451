// The reconcile read behind the passback worker's sweep: queued passbacks whose pg-boss job is
// gone or finished. It joins pg-boss's own tables, so it lives with the queue, not in db.

import type { Database } from '@tether/db';
import { type Kysely, sql, type Transaction } from 'kysely';
import { PGBOSS_SCHEMA } from './pg-boss.js';
import { PASSBACK_QUEUE_NAME } from './queue-names.js';

export interface OrphanedPassback {
  id: string;
  /** The job's last state when it still exists (completed, cancelled, failed); null when it is gone. */
  jobState: string | null;
}

/** Queued passbacks whose queue job is gone or finished (lost work to re-enqueue or give up on), oldest first. */
export async function findOrphanedPassbacks(
  db: Kysely<Database> | Transaction<Database>,
  opts: { queueName?: string; schema?: string; olderThanSec?: number; limit?: number } = {},
): Promise<OrphanedPassback[]> {
  const schema = opts.schema ?? PGBOSS_SCHEMA;
  // Interpolated as an identifier: only a plain lower-case name is accepted.
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
