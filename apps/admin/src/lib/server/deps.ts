// Server-side dependencies of the dashboard, created once per process.
import { createAuth, deriveAuthSecret, type TetherAuth } from '@tether/auth';
import { createOneTimeTokens, loadMasterSecret, type OneTimeTokens } from '@tether/crypto';
import { createDb, type Database, type Kysely, migrateToLatest, type PassbackQueue, type RosterQueue, resolveDataDir } from '@tether/db';
import { createPgBossPassbackQueue, createPgBossRosterQueue } from '@tether/queue';
import { loadAdminConfig } from './config';
import { allowedOrigins } from './origins';

export interface AdminDeps {
  db: Kysely<Database>;
  auth: TetherAuth;
  tokens: OneTimeTokens;
  /** Enqueue-only grade queue (the runtime's worker delivers). */
  passbackQueue: PassbackQueue;
  /** Enqueue-only roster sync queue (the runtime's worker syncs). */
  rosterQueue: RosterQueue;
  /** The runtime's public URL: the endpoint URLs admins copy are built from it. */
  publicUrl: string;
  origin: string;
  /** Origins forms are accepted from: ORIGIN, and outside production its loopback aliases. */
  origins: string[];
  /** Hosts "Test connection" may reach on private addresses (TETHER_DEV_INSECURE_HOSTS). */
  allowPrivateHosts: readonly string[];
}

let deps: Promise<AdminDeps> | undefined;

export function getDeps(): Promise<AdminDeps> {
  deps ??= (async () => {
    const config = loadAdminConfig();
    const dataDir = resolveDataDir(config.TETHER_DATA_DIR);
    const handle = await createDb({ url: config.DATABASE_URL, dataDir, poolSize: config.DB_POOL_SIZE, preparedStatements: config.DB_PREPARED_STATEMENTS });
    await migrateToLatest(handle.db);
    const { secret } = await loadMasterSecret({ env: config.TETHER_SECRET, dataDir, production: config.production });
    const origin = config.ORIGIN;
    const origins = allowedOrigins(origin, config.production);
    const auth = createAuth({
      db: handle.db,
      secret: deriveAuthSecret(secret),
      baseURL: origin,
      trustedOrigins: origins,
      trustedProxies: config.TRUSTED_PROXIES,
      signInLimits: { failuresPerAccount: config.SIGN_IN_FAILURES_PER_ACCOUNT, failuresPerAddress: config.SIGN_IN_FAILURES_PER_ADDRESS, lockMinutes: config.SIGN_IN_LOCK_MINUTES },
    });
    // adapter-node stops accepting requests on SIGTERM/SIGINT, then emits this: close the
    // pool (and the embedded server when we own it) so the process can exit.
    const passbackQueue = createPgBossPassbackQueue({ db: handle.db });
    const rosterQueue = createPgBossRosterQueue({ db: handle.db });
    process.once('sveltekit:shutdown' as never, () => void Promise.all([passbackQueue.close(), rosterQueue.close()]).finally(() => handle.close()));
    return {
      db: handle.db,
      auth,
      tokens: createOneTimeTokens(secret),
      passbackQueue,
      rosterQueue,
      publicUrl: config.PUBLIC_URL,
      origin,
      origins,
      allowPrivateHosts: config.TETHER_DEV_INSECURE_HOSTS,
    };
  })();
  return deps;
}
