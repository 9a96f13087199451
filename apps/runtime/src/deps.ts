// Everything the runtime's handlers need, built once per process.
import { createOneTimeTokens, createRemoteJwksResolver, createToolKeySet, loadMasterSecret, type OneTimeTokens, type RemoteJwksResolver, type ToolKeySet } from '@tether/crypto';
import { createDb, createToolKeyStore, type Database, type Kysely, migrateToLatest, resolveDataDir } from '@tether/db';
import { TETHER_USER_AGENT } from '@tether/http';
import { createServiceConnector, type ServiceConnector } from '@tether/lti';
import { type JobQueue, startJobQueue } from '@tether/queue';
import { type Logger, pino } from 'pino';
import type { RuntimeConfig } from './config.js';
import { type GradeService, startGradeService } from './grades/service.js';
import { createPlatformDirectory, type PlatformDirectory } from './platform-directory.js';
import { type Retention, startRetention } from './retention.js';
import { type RosterService, startRosterService } from './rosters/service.js';
import { createScenarioDirectory, type ScenarioDirectory } from './scenario-directory.js';
import { platformServiceTokens } from './service-tokens.js';

export interface RuntimeDeps {
  config: RuntimeConfig;
  db: Kysely<Database>;
  keys: ToolKeySet;
  jwks: RemoteJwksResolver;
  tokens: OneTimeTokens;
  platforms: PlatformDirectory;
  scenarios: ScenarioDirectory;
  /** Grade passback: the queue the Grades API writes to and this process's worker. */
  grades: GradeService;
  /** Names and Roles roster sync: its queue, worker and scheduled re-sync. */
  rosters: RosterService;
  /** Expired login states and history past RETENTION_DAYS, deleted on a schedule. */
  retention: Retention;
  /** LTI service tokens, one cache per process (grade passback and roster sync share it). */
  services: ServiceConnector;
  /** The process's one pg-boss: grade passback and roster sync queues and workers. */
  jobs: JobQueue;
  logger: Logger;
  close(): Promise<void>;
}

export interface CreateDepsOptions {
  /** Use this database instead of opening one from the config (tests). */
  db?: Kysely<Database>;
  logger?: Logger;
  fetch?: typeof fetch;
}

export async function createDeps(config: RuntimeConfig, opts: CreateDepsOptions = {}): Promise<RuntimeDeps> {
  const logger = opts.logger ?? pino({ level: config.LOG_LEVEL, base: { service: 'tether-runtime' }, redact: ['idToken', 'id_token', 'token', 'secret'] });
  const dataDir = resolveDataDir(config.TETHER_DATA_DIR);
  const handle = opts.db
    ? undefined
    : await createDb({
        url: config.DATABASE_URL || undefined,
        dataDir,
        poolSize: config.DB_POOL_SIZE,
        preparedStatements: config.DB_PREPARED_STATEMENTS,
        log: (l) => logger.info(l),
      });
  const db = opts.db ?? handle!.db;
  if (handle) await migrateToLatest(db);

  const { secret } = await loadMasterSecret({ env: config.TETHER_SECRET, dataDir, production: config.production });
  const keys = createToolKeySet({ store: createToolKeyStore(db), secret });
  await keys.ensureInitialised();
  // Pick up rotations done by the CLI or another node.
  const reload = setInterval(() => void keys.reload().catch((e) => logger.warn({ err: e }, 'tool key reload failed')), 60_000);
  reload.unref();

  // The only hosts the outbound client may reach on private/internal addresses (local test LMSes).
  const allowPrivateHosts = config.TETHER_DEV_INSECURE_HOSTS;
  const jwks = createRemoteJwksResolver({ userAgent: TETHER_USER_AGENT, allowPrivateHosts, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const platforms = createPlatformDirectory(db, jwks);
  const scenarios = createScenarioDirectory(db);
  const services = createServiceConnector({ signer: () => keys.signingKey(), userAgent: TETHER_USER_AGENT, allowPrivateHosts, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const serviceTokens = platformServiceTokens(services);
  const http = { userAgent: TETHER_USER_AGENT, serviceTokens, allowPrivateHosts, ...(opts.fetch ? { fetch: opts.fetch } : {}) };

  const started: { close(): Promise<void> }[] = [];
  const unwind = async (e: unknown): Promise<never> => {
    clearInterval(reload);
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    await handle?.close();
    throw e;
  };
  const workersOn = config.GRADE_WORKER === 'on' || config.ROSTER_WORKER === 'on';
  const jobs = await startJobQueue({
    db,
    // Housekeeping (expired jobs back to retry, archiving) and cron run where workers run.
    supervise: workersOn,
    schedule: (config.ROSTER_WORKER === 'on' && config.ROSTER_RESYNC_CRON !== 'off') || (workersOn && config.RETENTION_CRON !== 'off'),
    maintenanceIntervalSeconds: config.GRADE_MAINTENANCE_INTERVAL_SEC,
    onError: (err) => logger.warn({ err }, 'pg-boss error'),
  }).catch(unwind);
  started.push({ close: () => jobs.stop() });
  const grades = await startGradeService({ config, db, jobs, platforms, scenarios, logger, ...http }).catch(unwind);
  started.push(grades);
  const rosters = await startRosterService({ config, db, jobs, logger, ...http }).catch(unwind);
  started.push(rosters);
  // Retention runs where the workers run (a web-only node leaves it to them).
  const retention = await startRetention({ config, db, jobs, logger, worker: workersOn }).catch(unwind);
  return {
    config,
    db,
    keys,
    jwks,
    tokens: createOneTimeTokens(secret),
    platforms,
    scenarios,
    grades,
    rosters,
    retention,
    services,
    jobs,
    logger,
    async close() {
      clearInterval(reload);
      // The workers finish the jobs in hand before the queue stops and the pool closes.
      await retention.close();
      await rosters.close();
      await grades.close();
      await jobs.stop();
      await handle?.close();
    },
  };
}
