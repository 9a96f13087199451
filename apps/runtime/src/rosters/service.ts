// Roster sync in the runtime process: pg-boss on the runtime's pool, the `roster-sync` queue,
// (unless ROSTER_WORKER=off) the worker draining it, and the scheduled re-sync
// (ROSTER_RESYNC_CRON, UTC): a pg-boss schedule sending to `roster-resync`, whose handler
// requests a sync of every context synced before (contexts with a sync already queued or
// running are left alone).
import type { ToolKeySet } from '@tether/crypto';
import { ROSTER_RESYNC_QUEUE_NAME, ROSTER_SCHEDULE_ACTOR, listResyncTargets, requestRosterSync, type Database, type Kysely, type RosterQueue } from '@tether/db';
import { DEFAULT_ROSTER_QUEUE_SETTINGS, PGBOSS_SCHEMA, ensureRosterQueue, kyselyBossDb, pgBossRosterQueue } from '@tether/queue';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config.js';
import { createServiceTokenCache } from './tokens.js';
import { createRosterWorker, type RosterWorker } from './worker.js';

export interface RosterService {
  queue: RosterQueue;
  worker: RosterWorker | undefined;
  wake(): void;
  /** What the schedule runs (exposed for tests and the CLI): one sync request per context synced before. */
  resyncAll(): Promise<{ requested: number; skipped: number }>;
  close(): Promise<void>;
}

export async function startRosterService(opts: {
  config: RuntimeConfig;
  db: Kysely<Database>;
  keys: ToolKeySet;
  logger: Logger;
  userAgent: string;
  fetch?: typeof fetch;
}): Promise<RosterService> {
  const { config } = opts;
  const log = opts.logger.child({ component: 'roster-service' });
  const workerOn = config.ROSTER_WORKER === 'on';
  const scheduleOn = workerOn && config.ROSTER_RESYNC_CRON !== 'off';
  const boss = new PgBoss({
    db: kyselyBossDb(opts.db),
    schema: PGBOSS_SCHEMA,
    migrate: true,
    schedule: scheduleOn,
    supervise: workerOn,
  });
  boss.on('error', (err) => opts.logger.warn({ err }, 'pg-boss error (rosters)'));
  await boss.start();
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
        tokens: createServiceTokenCache({ keys: opts.keys, userAgent: opts.userAgent, ...(opts.fetch ? { fetch: opts.fetch } : {}) }),
        logger: opts.logger,
        userAgent: opts.userAgent,
        maxPages: config.ROSTER_MAX_PAGES,
        pollIntervalSec: config.ROSTER_POLL_INTERVAL_SEC,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      })
    : undefined;
  await worker?.start();

  let resyncWorkId: string | undefined;
  if (scheduleOn) {
    await boss.schedule(ROSTER_RESYNC_QUEUE_NAME, config.ROSTER_RESYNC_CRON, {}, { tz: 'UTC' });
    resyncWorkId = await boss.work(ROSTER_RESYNC_QUEUE_NAME, { pollingIntervalSeconds: 30 }, async () => {
      const r = await resyncAll();
      log.info(r, 'scheduled roster re-sync requested');
      worker?.wake();
    });
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
      if (resyncWorkId) await boss.offWork({ id: resyncWorkId }).catch(() => undefined);
      await worker?.stop().catch(() => undefined);
      // Graceful: a sync in hand finishes its current step (its job comes back if cut short).
      await boss.stop({ graceful: true, close: false, wait: true, timeout: 20_000 }).catch((err) => opts.logger.warn({ err }, 'pg-boss stop failed (rosters)'));
    },
  };
}
