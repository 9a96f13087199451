// What every Tether queue shares: pg-boss 10 in schema `pgboss` of Tether's own database
// (the embedded engine included), talking through a Kysely pool or transaction — so a job
// can be written in the same transaction as the row it works on. One pg-boss per process:
// the runtime starts it once (startJobQueue) for all its queues and workers (queue-worker.ts);
// enqueue-only users (the dashboard) share one per database.

import type { Database } from '@tether/db';
import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import PgBoss from 'pg-boss';

export const PGBOSS_SCHEMA = 'pgboss';

type BossTarget = { db: Kysely<Database> } | { connectionString: string; max?: number };

/** The one place a PgBoss is constructed: schema, migration and housekeeping settings. */
function newBoss(target: BossTarget, run: { supervise: boolean; schedule: boolean; maintenanceIntervalSeconds?: number }): PgBoss {
  return new PgBoss({
    ...('db' in target ? { db: kyselyBossDb(target.db) } : { connectionString: target.connectionString, max: target.max ?? 2 }),
    schema: PGBOSS_SCHEMA,
    migrate: true,
    supervise: run.supervise,
    schedule: run.schedule,
    ...(run.maintenanceIntervalSeconds === undefined ? {} : { maintenanceIntervalSeconds: run.maintenanceIntervalSeconds }),
  });
}

const embeddedStarts = new WeakMap<Kysely<Database>, Promise<void>>();

/** The advisory lock every process takes to install pg-boss (any fixed 64-bit key; this one spells "TetherPB"). */
const SETUP_LOCK_KEY = '6081392680958902850';

/**
 * Starts pg-boss (its install or migration on a fresh database) with no other node doing the
 * same: three nodes starting together on a fresh PostgreSQL database failed inside pg-boss's
 * install ("current transaction is aborted"), and a failed start cannot be retried (pg-boss
 * stays "starting"). A transaction-scoped advisory lock on its own connection serialises the
 * starts, behind PgBouncer's transaction pooling too. Not on the embedded engine: PGlite is one
 * session, where a transaction held open would stop pg-boss's own statements; there the starts
 * of one process queue up (the runtime installs pg-boss first; the dashboard only enqueues).
 */
async function startSerialised(db: Kysely<Database>, boss: PgBoss): Promise<void> {
  const { rows } = await sql<{ v: string }>`select version() as v`.execute(db);
  if (rows[0]?.v.includes('PGlite')) {
    // One after the other in this process (its queues and the tests' nodes share one PGlite).
    const previous = embeddedStarts.get(db) ?? Promise.resolve();
    const mine = previous.then(() => boss.start()).then(() => undefined);
    embeddedStarts.set(
      db,
      mine.catch(() => undefined),
    );
    await mine;
    return;
  }
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SETUP_LOCK_KEY}::bigint)`.execute(trx);
    await boss.start();
  });
}

/** deadlock_detected, unique_violation, duplicate_table/object: what two nodes creating one queue at once can meet. */
const CONCURRENT_CREATE_CODES = new Set(['40P01', '23505', '42P07', '42710']);
const CREATE_ATTEMPTS = 6;

/**
 * Runs a queue creation again, after a short random pause, when another node creating the same
 * queue at the same moment made it fail ("deadlock detected" inside pgboss.create_queue). The
 * creation is one statement (atomic) and create-if-missing, so the retry finds the queue made
 * or makes it.
 */
export async function retryConcurrentCreate<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= CREATE_ATTEMPTS || typeof code !== 'string' || !CONCURRENT_CREATE_CODES.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100 * attempt));
    }
  }
}

export interface JobQueueOptions {
  db: Kysely<Database>;
  /** Housekeeping (expired jobs back to retry, archiving): on where workers run. */
  supervise: boolean;
  /** Cron schedules fire here. */
  schedule: boolean;
  maintenanceIntervalSeconds?: number;
  onError?: (err: Error) => void;
}

/** The process's job queue: one started pg-boss every queue and worker of the process uses. */
export interface JobQueue {
  readonly boss: PgBoss;
  /** Waits for jobs in hand (up to timeoutMs; the rest come back after they expire), then stops. The pool stays open. */
  stop(timeoutMs?: number): Promise<void>;
}

export async function startJobQueue(opts: JobQueueOptions): Promise<JobQueue> {
  const boss = newBoss(
    { db: opts.db },
    {
      supervise: opts.supervise,
      schedule: opts.schedule,
      ...(opts.maintenanceIntervalSeconds === undefined ? {} : { maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds }),
    },
  );
  boss.on('error', (err) => opts.onError?.(err));
  await startSerialised(opts.db, boss);
  let stopped: Promise<void> | undefined;
  return {
    boss,
    stop(timeoutMs = 20_000) {
      stopped ??= boss.stop({ graceful: true, close: false, wait: true, timeout: timeoutMs });
      return stopped;
    },
  };
}

/** pg-boss's `db` option over a Kysely instance or transaction. */
export function kyselyBossDb(db: Kysely<Database> | Transaction<Database>): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const r = await db.executeQuery(CompiledQuery.raw(text, values));
      return { rows: r.rows };
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
  await retryConcurrentCreate(() => boss.createQueue(name, options));
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

/** Enqueue-only bosses by database (or URL), shared by the queues of a process and counted. */
const enqueueBosses = new Map<Kysely<Database> | string, { boss: PgBoss; users: number; started?: Promise<void> }>();

/**
 * An enqueue-only queue for processes that do not run workers (the dashboard). Give it the
 * database URL (a small pool of its own) or an existing Kysely instance (shares its pool).
 * Queues of one process on one database share one pg-boss, stopped when the last closes.
 * Given a transaction, the job is written through it without starting pg-boss: starting needs
 * other connections, and the embedded engine serves one transaction at a time. Otherwise
 * pg-boss starts lazily on the first enqueue (installing its schema if needed).
 */
export function createEnqueueOnlyQueue(
  opts: { connectionString: string; max?: number } | { db: Kysely<Database> },
  setup: (boss: PgBoss) => Promise<void>,
  send: (boss: PgBoss, id: string, o: EnqueueOptions) => Promise<void>,
): EnqueueOnly {
  const key = 'db' in opts ? opts.db : opts.connectionString;
  let shared = enqueueBosses.get(key);
  if (shared === undefined) {
    const boss = newBoss(opts, { supervise: false, schedule: false });
    boss.on('error', () => undefined);
    shared = { boss, users: 0 };
    enqueueBosses.set(key, shared);
  }
  shared.users++;
  const entry = shared;
  const boss = entry.boss;
  let ready: Promise<void> | undefined;
  const start = () =>
    (ready ??= (async () => {
      entry.started ??= 'db' in opts ? startSerialised(opts.db, boss) : boss.start().then(() => undefined);
      await entry.started;
      await setup(boss);
    })().catch((e: unknown) => {
      ready = undefined;
      entry.started = undefined;
      throw e;
    }));
  let closed = false;
  return {
    async enqueue(id, o = {}) {
      if (!o.trx) await start();
      await send(boss, id, o);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (--entry.users > 0) return;
      enqueueBosses.delete(key);
      if (entry.started) await entry.started.catch(() => undefined);
      await boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
    },
  };
}
