// Roster sync in the runtime process: the `roster-sync` queue (on the process's one pg-boss),
// (unless ROSTER_WORKER=off) the worker draining it, and the scheduled re-sync
// (ROSTER_RESYNC_CRON, UTC): a pg-boss schedule sending to `roster-resync`, whose handler
// requests a sync of every context synced before (contexts with a sync already queued or
// running are left alone).
import { type Database, type Kysely, listResyncTargets, ROSTER_SCHEDULE_ACTOR, type RosterQueue, requestRosterSync } from '@tether/db';
import { createQueueWorker, DEFAULT_ROSTER_QUEUE_SETTINGS, ensureRosterQueue, type JobQueue, pgBossRosterQueue, ROSTER_RESYNC_QUEUE_NAME } from '@tether/queue';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config.js';
import type { PlatformServiceTokens } from '../service-tokens.js';
import { createRosterWorker, type RosterWorker } from './worker.js';

export interface RosterService {
  queue: RosterQueue;
  worker: RosterWorker | undefined;
  wake(): void;
  /** What the schedule runs (exposed for tests and the CLI): one sync request per context synced before. */
  resyncAll(): Promise<{ requested: number; skipped: number }>;
  /** Stops the workers (a sync in hand finishes its current step); the job queue itself is the caller's. */
  close(): Promise<void>;
}

export async function startRosterService(opts: {
  config: RuntimeConfig;
  db: Kysely<Database>;
  jobs: JobQueue;
  serviceTokens: PlatformServiceTokens;
  logger: Logger;
  userAgent: string;
  fetch?: typeof fetch;
  /** Hosts allowed on private addresses (TETHER_DEV_INSECURE_HOSTS) — local test LMSes only. */
  allowPrivateHosts?: readonly string[];
}): Promise<RosterService> {
  const { config } = opts;
  const log = opts.logger.child({ component: 'roster-service' });
  const workerOn = config.ROSTER_WORKER === 'on';
  const scheduleOn = workerOn && config.ROSTER_RESYNC_CRON !== 'off';
  const boss = opts.jobs.boss;
  await ensureRosterQueue(
    boss,
    { ...DEFAULT_ROSTER_QUEUE_SETTINGS, retryLimit: config.ROSTER_RETRY_LIMIT, retryDelaySec: config.ROSTER_RETRY_DELAY_SEC, expireInSeconds: config.ROSTER_JOB_EXPIRE_SEC },
    workerOn,
  );
  const queue = pgBossRosterQueue(boss);

  async function resyncAll() {
    let requested = 0;
    let skipped = 0;
    for (const t of await listResyncTargets(opts.db)) {
      const r = await requestRosterSync(opts.db, queue, { ...t, requestedBy: ROSTER_SCHEDULE_ACTOR }).catch((err: unknown) => {
        log.warn({ err, ...t }, 'scheduled roster sync request failed');
        return undefined;
      });
      if (r?.ok) requested++;
      else skipped++;
    }
    return { requested, skipped };
  }

  const worker = workerOn
    ? createRosterWorker({
        db: opts.db,
        boss,
        serviceTokens: opts.serviceTokens,
        logger: opts.logger,
        userAgent: opts.userAgent,
        maxPages: config.ROSTER_MAX_PAGES,
        pollIntervalSec: config.ROSTER_POLL_INTERVAL_SEC,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.allowPrivateHosts ? { allowPrivateHosts: opts.allowPrivateHosts } : {}),
      })
    : undefined;
  await worker?.start();

  const resync = scheduleOn
    ? createQueueWorker(boss, ROSTER_RESYNC_QUEUE_NAME, { concurrency: 1, pollIntervalSec: 30 }, async () => {
        const r = await resyncAll();
        log.info(r, 'scheduled roster re-sync requested');
        worker?.wake();
      })
    : undefined;
  if (scheduleOn) {
    await boss.schedule(ROSTER_RESYNC_QUEUE_NAME, config.ROSTER_RESYNC_CRON, {}, { tz: 'UTC' });
    await resync?.start();
  } else if (workerOn) {
    // ROSTER_RESYNC_CRON=off: remove a schedule an earlier start installed.
    await boss.unschedule(ROSTER_RESYNC_QUEUE_NAME).catch(() => undefined);
  }

  let closed = false;
  return {
    queue,
    worker,
    wake: () => worker?.wake(),
    resyncAll,
    async close() {
      if (closed) return;
      closed = true;
      await resync?.stop().catch(() => undefined);
      // A sync in hand finishes its current step (its job comes back if cut short).
      await worker?.stop().catch(() => undefined);
    },
  };
}
