// Grade passback in the runtime process: the queue the Grades API writes to (on the process's
// one pg-boss) and, unless GRADE_WORKER=off, the worker draining it.
import type { Database, Kysely, PassbackQueue } from '@tether/db';
import { ensurePassbackQueue, type JobQueue, pgBossPassbackQueue } from '@tether/queue';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config.js';
import type { PlatformDirectory } from '../platform-directory.js';
import type { ScenarioDirectory } from '../scenario-directory.js';
import type { PlatformServiceTokens } from '../service-tokens.js';
import { createGradeWorker, type GradeWorker } from './worker.js';

export interface GradeService {
  queue: PassbackQueue;
  /** Call after a transaction that enqueued committed: the local worker fetches at once. */
  wake(): void;
  worker: GradeWorker | undefined;
  /** Stops the worker (jobs in hand finish); the job queue itself is the caller's. */
  close(): Promise<void>;
}

export async function startGradeService(opts: {
  config: RuntimeConfig;
  db: Kysely<Database>;
  jobs: JobQueue;
  platforms: PlatformDirectory;
  scenarios: ScenarioDirectory;
  serviceTokens: PlatformServiceTokens;
  logger: Logger;
  userAgent: string;
  fetch?: typeof fetch;
  /** Hosts allowed on private addresses (TETHER_DEV_INSECURE_HOSTS) — local test LMSes only. */
  allowPrivateHosts?: readonly string[];
}): Promise<GradeService> {
  const { config } = opts;
  const boss = opts.jobs.boss;
  const workerOn = config.GRADE_WORKER === 'on';
  await ensurePassbackQueue(boss, { retryLimit: config.GRADE_RETRY_LIMIT, retryDelaySec: config.GRADE_RETRY_DELAY_SEC, expireInSeconds: config.GRADE_JOB_EXPIRE_SEC }, workerOn);

  const worker = workerOn
    ? createGradeWorker({
        db: opts.db,
        boss,
        serviceTokens: opts.serviceTokens,
        userAgent: opts.userAgent,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.allowPrivateHosts ? { allowPrivateHosts: opts.allowPrivateHosts } : {}),
        platforms: opts.platforms,
        scenarios: opts.scenarios,
        logger: opts.logger,
        concurrency: config.GRADE_WORKER_CONCURRENCY,
        pollIntervalSec: config.GRADE_POLL_INTERVAL_SEC,
        leaseSec: config.GRADE_JOB_EXPIRE_SEC,
        maintenanceIntervalMs: config.GRADE_MAINTENANCE_INTERVAL_SEC * 1000,
      })
    : undefined;
  await worker?.start();

  let closed = false;
  return {
    queue: pgBossPassbackQueue(boss),
    wake: () => worker?.wake(),
    worker,
    async close() {
      if (closed) return;
      closed = true;
      await worker?.stop();
    },
  };
}
