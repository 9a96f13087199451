// The grade passback queue on pg-boss 10 (schema `pgboss`, in Tether's own database — the
// embedded engine included). pg-boss talks to the database through the runtime's Kysely
// pool (`kyselyBossDb`), so a job can be written inside the transaction that creates its
// passback: the passback is queued exactly when its job exists.
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import PgBoss from 'pg-boss';
import { PASSBACK_QUEUE_NAME, type Database, type PassbackQueue } from '@tether/db';

export const PGBOSS_SCHEMA = 'pgboss';

export interface PassbackJobData {
  passbackId: string;
}

/** pg-boss's `db` option over a Kysely instance or transaction. */
export function kyselyBossDb(db: Kysely<any> | Transaction<any>): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const r = await db.executeQuery(CompiledQuery.raw(text, values));
      return { rows: r.rows as any[] };
    },
  };
}

export interface PassbackQueueSettings {
  retryLimit: number;
  retryDelaySec: number;
  expireInSeconds: number;
}

export const DEFAULT_QUEUE_SETTINGS: PassbackQueueSettings = { retryLimit: 8, retryDelaySec: 2, expireInSeconds: 60 };

/** Creates the queue if needed; with `update`, makes its retry/expiry settings these. */
export async function ensurePassbackQueue(boss: PgBoss, settings: PassbackQueueSettings, update: boolean): Promise<void> {
  const options = {
    name: PASSBACK_QUEUE_NAME,
    policy: 'standard' as const,
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySec,
    retryBackoff: true,
    expireInSeconds: settings.expireInSeconds,
  };
  await boss.createQueue(PASSBACK_QUEUE_NAME, options);
  if (update) await boss.updateQueue(PASSBACK_QUEUE_NAME, options);
}

/** A PassbackQueue sending with this (started) pg-boss; retry and expiry come from the queue's settings. */
export function pgBossPassbackQueue(boss: PgBoss): PassbackQueue {
  return {
    async enqueue(passbackId, opts = {}) {
      let id: string | null;
      try {
        id = await boss.send(PASSBACK_QUEUE_NAME, { passbackId } satisfies PassbackJobData, {
          ...(opts.jobId ? { id: opts.jobId } : {}),
          ...(opts.trx ? { db: kyselyBossDb(opts.trx) } : {}),
        });
      } catch (e) {
        if ((e as { code?: string }).code === '42P01') throw new Error('The grade queue is not installed yet (schema pgboss): start the runtime once, then try again.', { cause: e });
        throw e;
      }
      // pg-boss inserts nothing (and answers null) when the queue does not exist.
      if (!id) throw new Error(`Could not enqueue passback ${passbackId}: queue ${PASSBACK_QUEUE_NAME} not found (start the runtime once to create it).`);
    },
  };
}

export interface StandalonePassbackQueue extends PassbackQueue {
  close(): Promise<void>;
}

/**
 * A PassbackQueue for processes that do not run the worker (the dashboard's api package):
 * enqueue only. Give it the database URL (it opens a small pool of its own) or an existing
 * Kysely instance (it shares that pool). Given a transaction (as retryPassback does), the job
 * is written through it; otherwise pg-boss starts lazily on the first enqueue (installing its
 * schema if the runtime never has). The runtime's worker picks the jobs up by polling.
 */
export function createPgBossPassbackQueue(opts: { connectionString: string; max?: number } | { db: Kysely<Database> }): StandalonePassbackQueue {
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
      await ensurePassbackQueue(boss, DEFAULT_QUEUE_SETTINGS, false);
    })().catch((e: unknown) => {
      started = undefined;
      throw e;
    }));
  const queue = pgBossPassbackQueue(boss);
  return {
    async enqueue(passbackId, o) {
      // Inside a transaction, send through it without starting pg-boss: starting needs other
      // connections, and the embedded engine serves one transaction at a time (it would wait
      // for this one to end). The runtime has installed the schema and created the queue.
      if (!o?.trx) await start();
      await queue.enqueue(passbackId, o);
    },
    async close() {
      if (started) await started.catch(() => undefined);
      await boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
    },
  };
}
