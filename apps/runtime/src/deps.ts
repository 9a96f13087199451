// Everything the runtime's handlers need, built once per process.
import { createRemoteJwksResolver, createOneTimeTokens, createToolKeySet, loadMasterSecret, type OneTimeTokens, type RemoteJwksResolver, type ToolKeySet } from '@tether/crypto';
import { createDb, createToolKeyStore, migrateToLatest, resolveDataDir, type Database, type Kysely } from '@tether/db';
import { pino, type Logger } from 'pino';
import type { RuntimeConfig } from './config.js';
import { startGradeService, type GradeService } from './grades/service.js';
import { startRosterService, type RosterService } from './rosters/service.js';
import { createPlatformDirectory, type PlatformDirectory } from './platform-directory.js';
import { createScenarioDirectory, type ScenarioDirectory } from './scenario-directory.js';

export const USER_AGENT = 'Tether-LTI/0.1 (+https://github.com/tether-lti)';

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
  const dataDir = config.TETHER_DATA_DIR ?? resolveDataDir();
  const handle = opts.db
    ? undefined
    : await createDb({ url: config.DATABASE_URL || undefined, dataDir, poolSize: config.DB_POOL_SIZE, log: (l) => logger.info(l) });
  const db = opts.db ?? handle!.db;
  if (handle) await migrateToLatest(db);

  const { secret } = await loadMasterSecret({ env: config.TETHER_SECRET, dataDir, production: config.production });
  const keys = createToolKeySet({ store: createToolKeyStore(db), secret });
  await keys.ensureInitialised();
  // Pick up rotations done by the CLI or another node.
  const reload = setInterval(() => void keys.reload().catch((e) => logger.warn({ err: e }, 'tool key reload failed')), 60_000);
  reload.unref();

  const jwks = createRemoteJwksResolver({ userAgent: USER_AGENT, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const platforms = createPlatformDirectory(db, jwks);
  const scenarios = createScenarioDirectory(db);
  const grades = await startGradeService({ config, db, keys, platforms, scenarios, logger, userAgent: USER_AGENT, ...(opts.fetch ? { fetch: opts.fetch } : {}) }).catch(async (e: unknown) => {
    clearInterval(reload);
    await handle?.close();
    throw e;
  });
  const rosters = await startRosterService({ config, db, keys, logger, userAgent: USER_AGENT, ...(opts.fetch ? { fetch: opts.fetch } : {}) }).catch(async (e: unknown) => {
    clearInterval(reload);
    await grades.close();
    await handle?.close();
    throw e;
  });
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
    logger,
    async close() {
      clearInterval(reload);
      // The worker finishes the passbacks in hand before the pool closes.
      await rosters.close();
      await grades.close();
      await handle?.close();
    },
  };
}
