// What every Tether queue shares: pg-boss 10 in schema `pgboss` of Tether's own database
// (the embedded engine included), talking through a Kysely pool or transaction — so a job
// can be written in the same transaction as the row it works on.
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import PgBoss from 'pg-boss';
import type { Database } from '@tether/db';

export const PGBOSS_SCHEMA = 'pgboss';

/** pg-boss's `db` option over a Kysely instance or transaction. */
export function kyselyBossDb(db: Kysely<any> | Transaction<any>): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const r = await db.executeQuery(CompiledQuery.raw(text, values));
      return { rows: r.rows as any[] };
    },
  };
}

export interface QueueSettings {
  retryLimit: number;
  retryDelaySec: number;
  expireInSeconds: number;
}

/** Creates a queue if needed; with `update`, makes its retry/expiry settings these. */
export async function ensureQueue(boss: PgBoss, name: string, settings: QueueSettings, update: boolean): Promise<void> {
  const options = {
    name,
    policy: 'standard' as const,
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySec,
    retryBackoff: true,
    expireInSeconds: settings.expireInSeconds,
  };
  await boss.createQueue(name, options);
  if (update) await boss.updateQueue(name, options);
}

export interface EnqueueOptions {
  trx?: Transaction<Database>;
  jobId?: string;
}

/** Sends one job; inside `trx` when given. Clear errors when the runtime never installed the queue. */
export async function sendJob(boss: PgBoss, queue: string, data: object, opts: EnqueueOptions, what: string): Promise<string> {
  let id: string | null;
  try {
    id = await boss.send(queue, data, { ...(opts.jobId ? { id: opts.jobId } : {}), ...(opts.trx ? { db: kyselyBossDb(opts.trx) } : {}) });
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') throw new Error('The job queue is not installed yet (schema pgboss): start the runtime once, then try again.', { cause: e });
    throw e;
  }
  // pg-boss inserts nothing (and answers null) when the queue does not exist.
  if (!id) throw new Error(`Could not enqueue ${what}: queue ${queue} not found (start the runtime once to create it).`);
  return id;
}

export interface EnqueueOnly {
  enqueue(id: string, opts?: EnqueueOptions): Promise<void>;
  close(): Promise<void>;
}

/**
 * An enqueue-only queue for processes that do not run workers (the dashboard). Give it the
 * database URL (a small pool of its own) or an existing Kysely instance (shares its pool).
 * Given a transaction, the job is written through it without starting pg-boss: starting needs
 * other connections, and the embedded engine serves one transaction at a time. Otherwise
 * pg-boss starts lazily on the first enqueue (installing its schema if needed).
 */
export function createEnqueueOnlyQueue(
  opts: { connectionString: string; max?: number } | { db: Kysely<Database> },
  setup: (boss: PgBoss) => Promise<void>,
  send: (boss: PgBoss, id: string, o: EnqueueOptions) => Promise<void>,
): EnqueueOnly {
  const boss = new PgBoss({
    ...('db' in opts ? { db: kyselyBossDb(opts.db) } : { connectionString: opts.connectionString, max: opts.max ?? 2 }),
    schema: PGBOSS_SCHEMA,
    supervise: false,
    schedule: false,
    migrate: true,
  });
  boss.on('error', () => undefined);
  let started: Promise<void> | undefined;
  const start = () =>
    (started ??= (async () => {
      await boss.start();
      await setup(boss);
    })().catch((e: unknown) => {
      started = undefined;
      throw e;
    }));
  return {
    async enqueue(id, o = {}) {
      if (!o.trx) await start();
      await send(boss, id, o);
    },
    async close() {
      if (started) await started.catch(() => undefined);
      await boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
    },
  };
}
