// The grade passback queue (`grade-passback`): a job is written inside the transaction that
// creates its passback, so the passback is queued exactly when its job exists.

import type { Database, PassbackQueue } from '@tether/db';
import type { Kysely } from 'kysely';
import type PgBoss from 'pg-boss';
import { createEnqueueOnlyQueue, type EnqueueOnly, ensureQueue, type QueueSettings, sendJob } from './pg-boss.js';
import { PASSBACK_QUEUE_NAME } from './queue-names.js';

export interface PassbackJobData {
  passbackId: string;
}

export type PassbackQueueSettings = QueueSettings;

export const DEFAULT_QUEUE_SETTINGS: PassbackQueueSettings = { retryLimit: 8, retryDelaySec: 2, expireInSeconds: 60 };

export const ensurePassbackQueue = (boss: PgBoss, settings: PassbackQueueSettings, update: boolean) => ensureQueue(boss, PASSBACK_QUEUE_NAME, settings, update);

/** A PassbackQueue sending with this (started) pg-boss; retry and expiry come from the queue's settings. */
export function pgBossPassbackQueue(boss: PgBoss): PassbackQueue {
  return {
    async enqueue(passbackId, opts = {}) {
      await sendJob(boss, PASSBACK_QUEUE_NAME, { passbackId } satisfies PassbackJobData, opts, `passback ${passbackId}`);
    },
  };
}

export type StandalonePassbackQueue = PassbackQueue & EnqueueOnly;

/** Enqueue-only PassbackQueue for the dashboard ("Retry"); the runtime's worker delivers. */
export function createPgBossPassbackQueue(opts: { connectionString: string; max?: number } | { db: Kysely<Database> }): StandalonePassbackQueue {
  return createEnqueueOnlyQueue(
    opts,
    (boss) => ensurePassbackQueue(boss, DEFAULT_QUEUE_SETTINGS, false),
    (boss, id, o) => pgBossPassbackQueue(boss).enqueue(id, o),
  );
}
