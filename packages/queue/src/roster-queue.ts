// The roster sync queue (`roster-sync`) on pg-boss 10, same pattern as the passback queue: a
// job can be written inside the transaction that creates its `roster_syncs` row. The scheduled
// re-sync is a pg-boss schedule sending to `roster-resync`; its handler requests one sync per
// context synced before.
import type { Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import { ROSTER_QUEUE_NAME, ROSTER_RESYNC_QUEUE_NAME, type Database, type RosterQueue } from '@tether/db';
import { PGBOSS_SCHEMA, kyselyBossDb } from './passback-queue.js';

export interface RosterJobData {
  syncId: string;
}

export interface RosterQueueSettings {
  retryLimit: number;
  retryDelaySec: number;
  expireInSeconds: number;
}

export const DEFAULT_ROSTER_QUEUE_SETTINGS: RosterQueueSettings = { retryLimit: 5, retryDelaySec: 5, expireInSeconds: 15 * 60 };

/** Creates the roster queues if needed; with `update`, makes their retry/expiry settings these. */
export async function ensureRosterQueue(boss: PgBoss, settings: RosterQueueSettings, update: boolean): Promise<void> {
  const options = {
    name: ROSTER_QUEUE_NAME,
    policy: 'standard' as const,
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySec,
    retryBackoff: true,
    expireInSeconds: settings.expireInSeconds,
  };
  await boss.createQueue(ROSTER_QUEUE_NAME, options);
  if (update) await boss.updateQueue(ROSTER_QUEUE_NAME, options);
  // The schedule's queue: one job per tick, no retries (the next tick comes anyway).
  await boss.createQueue(ROSTER_RESYNC_QUEUE_NAME, { name: ROSTER_RESYNC_QUEUE_NAME, policy: 'standard', retryLimit: 0, expireInSeconds: 15 * 60 });
}

/** A RosterQueue sending with this (started) pg-boss. */
export function pgBossRosterQueue(boss: PgBoss): RosterQueue {
  return {
    async enqueue(syncId, opts = {}) {
      let id: string | null;
      try {
        id = await boss.send(ROSTER_QUEUE_NAME, { syncId } satisfies RosterJobData, {
          ...(opts.jobId ? { id: opts.jobId } : {}),
          ...(opts.trx ? { db: kyselyBossDb(opts.trx) } : {}),
        });
      } catch (e) {
        if ((e as { code?: string }).code === '42P01') throw new Error('The job queue is not installed yet (schema pgboss): start the runtime once, then try again.', { cause: e });
        throw e;
      }
      if (!id) throw new Error(`Could not enqueue roster sync ${syncId}: queue ${ROSTER_QUEUE_NAME} not found (start the runtime once to create it).`);
    },
  };
}

export interface StandaloneRosterQueue extends RosterQueue {
  close(): Promise<void>;
}

/** Enqueue-only RosterQueue for the dashboard (see createPgBossPassbackQueue). */
export function createPgBossRosterQueue(opts: { connectionString: string; max?: number } | { db: Kysely<Database> }): StandaloneRosterQueue {
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
      await ensureRosterQueue(boss, DEFAULT_ROSTER_QUEUE_SETTINGS, false);
    })().catch((e: unknown) => {
      started = undefined;
      throw e;
    }));
  const queue = pgBossRosterQueue(boss);
  return {
    async enqueue(syncId, o) {
      if (!o?.trx) await start();
      await queue.enqueue(syncId, o);
    },
    async close() {
      if (started) await started.catch(() => undefined);
      await boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
    },
  };
}
