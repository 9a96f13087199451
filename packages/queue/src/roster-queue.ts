// The roster sync queue (`roster-sync`): a job can be written inside the transaction that
// creates its `roster_syncs` row. The scheduled re-sync is a pg-boss schedule sending to
// `roster-resync`; its handler requests one sync per context synced before.

import type { Database, RosterQueue } from '@tether/db';
import type { Kysely } from 'kysely';
import type PgBoss from 'pg-boss';
import { createEnqueueOnlyQueue, type EnqueueOnly, ensureQueue, type QueueSettings, retryConcurrentCreate, sendJob } from './pg-boss.js';
import { ROSTER_QUEUE_NAME, ROSTER_RESYNC_QUEUE_NAME } from './queue-names.js';

export interface RosterJobData {
  syncId: string;
}

export type RosterQueueSettings = QueueSettings;

export const DEFAULT_ROSTER_QUEUE_SETTINGS: RosterQueueSettings = { retryLimit: 5, retryDelaySec: 5, expireInSeconds: 15 * 60 };

/** Creates the roster queues if needed; with `update`, makes their retry/expiry settings these. */
export async function ensureRosterQueue(boss: PgBoss, settings: RosterQueueSettings, update: boolean): Promise<void> {
  await ensureQueue(boss, ROSTER_QUEUE_NAME, settings, update);
  // The schedule's queue: one job per tick, no retries (the next tick comes anyway).
  await retryConcurrentCreate(() => boss.createQueue(ROSTER_RESYNC_QUEUE_NAME, { name: ROSTER_RESYNC_QUEUE_NAME, policy: 'standard', retryLimit: 0, expireInSeconds: 15 * 60 }));
}

/** A RosterQueue sending with this (started) pg-boss. */
export function pgBossRosterQueue(boss: PgBoss): RosterQueue {
  return {
    async enqueue(syncId, opts = {}) {
      await sendJob(boss, ROSTER_QUEUE_NAME, { syncId } satisfies RosterJobData, opts, `roster sync ${syncId}`);
    },
  };
}

export type StandaloneRosterQueue = RosterQueue & EnqueueOnly;

/** Enqueue-only RosterQueue for the dashboard ("Sync roster"). */
export function createPgBossRosterQueue(opts: { connectionString: string; max?: number } | { db: Kysely<Database> }): StandaloneRosterQueue {
  return createEnqueueOnlyQueue(
    opts,
    (boss) => ensureRosterQueue(boss, DEFAULT_ROSTER_QUEUE_SETTINGS, false),
    (boss, id, o) => pgBossRosterQueue(boss).enqueue(id, o),
  );
}
