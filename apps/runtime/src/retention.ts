// Retention, scheduled on the process's one pg-boss (RETENTION_CRON, UTC): expired login states
// go (a flood of unanswered logins leaves nothing behind), and launches and their timelines are
// kept for RETENTION_DAYS. pg-boss runs one tick per schedule across all nodes; each tick
// deletes in bounded batches until nothing is left or the tick's budget is spent.
import { type Database, type Kysely, pruneLaunchEvents, pruneLaunches, pruneLoginStates } from '@tether/db';
import { createQueueWorker, type JobQueue, RETENTION_QUEUE_NAME } from '@tether/queue';
import type { Logger } from 'pino';
import type { RuntimeConfig } from './config.js';

/** Login states are kept this long past their expiry (a late launch still finds its state). */
const LOGIN_STATE_GRACE_MS = 60 * 60 * 1000;
/** Batches one tick may run per kind, so a huge backlog is worked off over several ticks. */
const MAX_BATCHES_PER_TICK = 100;

interface RetentionResult {
  loginStates: number;
  launchEvents: number;
  launches: number;
}

export interface Retention {
  /** One pass now (what the schedule runs; exposed for tests and operators). */
  runOnce(now?: Date): Promise<RetentionResult>;
  close(): Promise<void>;
}

export async function startRetention(opts: {
  config: RuntimeConfig;
  db: Kysely<Database>;
  jobs: JobQueue;
  logger: Logger;
  /** Work the schedule's ticks in this process (false on a web-only node: other nodes do). */
  worker: boolean;
}): Promise<Retention> {
  const { config, db } = opts;
  const log = opts.logger.child({ component: 'retention' });

  async function drain(prune: () => Promise<number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_TICK; i++) {
      const n = await prune();
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  async function runOnce(now = new Date()): Promise<RetentionResult> {
    const historyBefore = new Date(now.getTime() - config.RETENTION_DAYS * 86_400_000);
    const result = {
      loginStates: await drain(() => pruneLoginStates(db, new Date(now.getTime() - LOGIN_STATE_GRACE_MS))),
      launchEvents: await drain(() => pruneLaunchEvents(db, historyBefore)),
      launches: await drain(() => pruneLaunches(db, historyBefore)),
    };
    log.info(result, 'retention pass');
    return result;
  }

  const scheduled = config.RETENTION_CRON !== 'off';
  const boss = opts.jobs.boss;
  if (!opts.worker) return { runOnce, close: async () => undefined };
  // One job per tick, no retries (the next tick comes anyway).
  await boss.createQueue(RETENTION_QUEUE_NAME, { name: RETENTION_QUEUE_NAME, policy: 'standard', retryLimit: 0, expireInSeconds: 15 * 60 });
  const worker = scheduled
    ? createQueueWorker(boss, RETENTION_QUEUE_NAME, { concurrency: 1, pollIntervalSec: 30 }, async () => {
        await runOnce();
      })
    : undefined;
  if (scheduled) {
    await boss.schedule(RETENTION_QUEUE_NAME, config.RETENTION_CRON, {}, { tz: 'UTC' });
    await worker?.start();
  } else {
    await boss.unschedule(RETENTION_QUEUE_NAME).catch(() => undefined);
  }
  return {
    runOnce,
    async close() {
      await worker?.stop().catch(() => undefined);
    },
  };
}
