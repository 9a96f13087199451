// Grade passback in the runtime process: pg-boss on the runtime's database pool, the queue
// the Grades API writes to, and (unless GRADE_WORKER=off) the worker draining it.
import type { ToolKeySet } from '@tether/crypto';
import type { Database, Kysely, PassbackQueue } from '@tether/db';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config.js';
import type { PlatformDirectory } from '../platform-directory.js';
import type { ScenarioDirectory } from '../scenario-directory.js';
import { createAgsClientCache } from './ags-clients.js';
import { PGBOSS_SCHEMA, ensurePassbackQueue, kyselyBossDb, pgBossPassbackQueue } from '@tether/queue';
import { createGradeWorker, type GradeWorker } from './worker.js';

export interface GradeService {
  queue: PassbackQueue;
  /** Call after a transaction that enqueued committed: the local worker fetches at once. */
  wake(): void;
  worker: GradeWorker | undefined;
  /** Service-token requests and cache hits of this process. */
  agsStats(): { providers: number; tokenRequests: number; cacheHits: number };
  close(): Promise<void>;
}

export async function startGradeService(opts: {
  config: RuntimeConfig;
  db: Kysely<Database>;
  keys: ToolKeySet;
  platforms: PlatformDirectory;
  scenarios: ScenarioDirectory;
  logger: Logger;
  userAgent: string;
  fetch?: typeof fetch;
}): Promise<GradeService> {
  const { config } = opts;
  const workerOn = config.GRADE_WORKER === 'on';
  const boss = new PgBoss({
    db: kyselyBossDb(opts.db),
    schema: PGBOSS_SCHEMA,
    migrate: true,
    schedule: false,
    // Housekeeping (expired jobs back to retry, archiving) runs where workers run.
    supervise: workerOn,
    maintenanceIntervalSeconds: config.GRADE_MAINTENANCE_INTERVAL_SEC,
  });
  boss.on('error', (err) => opts.logger.warn({ err }, 'pg-boss error'));
  await boss.start();
  await ensurePassbackQueue(boss, { retryLimit: config.GRADE_RETRY_LIMIT, retryDelaySec: config.GRADE_RETRY_DELAY_SEC, expireInSeconds: config.GRADE_JOB_EXPIRE_SEC }, workerOn);

  const ags = createAgsClientCache({ keys: opts.keys, userAgent: opts.userAgent, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const worker = workerOn
    ? createGradeWorker({
        db: opts.db,
        boss,
        ags,
        platforms: opts.platforms,
        scenarios: opts.scenarios,
        logger: opts.logger,
        concurrency: config.GRADE_WORKER_CONCURRENCY,
        pollIntervalMs: config.GRADE_POLL_INTERVAL_SEC * 1000,
        leaseSec: config.GRADE_JOB_EXPIRE_SEC,
        maintenanceIntervalMs: config.GRADE_MAINTENANCE_INTERVAL_SEC * 1000,
      })
    : undefined;
  worker?.start();

  let closed = false;
  return {
    queue: pgBossPassbackQueue(boss),
    wake: () => worker?.wake(),
    worker,
    agsStats: () => ags.stats(),
    async close() {
      if (closed) return;
      closed = true;
      await worker?.stop();
      // No pg-boss workers of its own run (the loops above fetch), so this stops at once.
      await boss.stop({ graceful: false, close: false, wait: true }).catch((err) => opts.logger.warn({ err }, 'pg-boss stop failed'));
    },
  };
}
