// Runtime configuration from the environment, checked once at start.
import { trustedProxiesSetting } from '@tether/auth/client-address';
import { DEFAULT_CLOCK_TOLERANCE_SEC, DEFAULT_MAX_AGE_SEC, MAX_CLOCK_TOLERANCE_SEC } from '@tether/crypto';
import { DEV_RUNTIME_URL, devInsecureHostsSetting, originSetting, parseSettings, preparedStatementsSetting } from '@tether/lti';
import { z } from 'zod';

/** A 5-field cron expression (UTC), or `off`. */
const cronSetting = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => v === 'off' || v.trim().split(/\s+/).length === 5, 'a 5-field cron expression or "off"');

const settingsSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: originSetting(DEV_RUNTIME_URL),
  /** PostgreSQL; unset or empty ⇒ the embedded engine under TETHER_DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  TETHER_SECRET: z.string().optional(),
  TETHER_DATA_DIR: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  DB_PREPARED_STATEMENTS: preparedStatementsSetting,
  /** Seconds between OIDC login and launch before the state expires. */
  LOGIN_STATE_TTL_SEC: z.coerce.number().int().min(30).max(3600).default(600),
  CLOCK_SKEW_SEC: z.coerce.number().int().min(0).max(MAX_CLOCK_TOLERANCE_SEC).default(DEFAULT_CLOCK_TOLERANCE_SEC),
  ID_TOKEN_MAX_AGE_SEC: z.coerce.number().int().min(60).max(86_400).default(DEFAULT_MAX_AGE_SEC),
  /** Hosts (host or host:port) any outbound call may reach over plain http and on private addresses — local test LMSes only. */
  TETHER_DEV_INSECURE_HOSTS: devInsecureHostsSetting,
  /** How long a learner's landing session lasts (its cookie's Max-Age). */
  LEARNER_SESSION_TTL_SEC: z.coerce.number().int().min(60).max(86_400).default(3600),
  /** Grade passback worker in this process (the Grades API enqueues either way). */
  GRADE_WORKER: z.enum(['on', 'off']).default('on'),
  /** Passbacks delivered at the same time by this process (a job holds a pool connection only
   *  between its statements, not while the LMS answers: keep it below DB_POOL_SIZE). */
  GRADE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(16),
  /** Tries after the first for an LMS that is down (5xx, 429, network); then the passback fails. */
  GRADE_RETRY_LIMIT: z.coerce.number().int().min(0).max(30).default(8),
  /** First retry delay; it doubles with each try (with jitter: between n and 2n seconds). */
  GRADE_RETRY_DELAY_SEC: z.coerce.number().int().min(1).max(3600).default(2),
  /** A job still active this long (its process died) is handed out again. */
  GRADE_JOB_EXPIRE_SEC: z.coerce.number().int().min(2).max(3600).default(60),
  /** How often idle workers look for due jobs (new jobs from this process wake them at once). */
  GRADE_POLL_INTERVAL_SEC: z.coerce.number().min(0.5).max(60).default(1),
  /** Queue housekeeping: expired jobs back to retry, finished ones archived, lost passbacks re-queued. */
  GRADE_MAINTENANCE_INTERVAL_SEC: z.coerce.number().int().min(1).max(3600).default(30),
  /** Names and Roles roster sync worker (and the scheduled re-sync) in this process. */
  ROSTER_WORKER: z.enum(['on', 'off']).default('on'),
  /** Tries after the first when the LMS roster service is down (nrps_unavailable); then the sync fails. */
  ROSTER_RETRY_LIMIT: z.coerce.number().int().min(0).max(30).default(5),
  /** First retry delay; it doubles with each try. */
  ROSTER_RETRY_DELAY_SEC: z.coerce.number().int().min(1).max(3600).default(5),
  /** A sync job still active this long (its process died) is handed out again. */
  ROSTER_JOB_EXPIRE_SEC: z.coerce.number().int().min(10).max(86_400).default(900),
  /** Roster pages read at most per sync; a longer roster is recorded as truncated (and nobody is deactivated). */
  ROSTER_MAX_PAGES: z.coerce.number().int().min(1).max(10_000).default(100),
  /** How often the idle roster worker looks for jobs. */
  ROSTER_POLL_INTERVAL_SEC: z.coerce.number().min(0.5).max(60).default(2),
  /** Cron (UTC) of the re-sync of every context synced before; `off` disables it. */
  ROSTER_RESYNC_CRON: cronSetting('0 3 * * *'),
  /** Requests per minute per client address (in memory, per node; 0 turns a limit off). A class behind one school NAT launches at once. */
  RATE_LIMIT_LOGIN_PER_MIN: z.coerce.number().int().min(0).max(100_000).default(300),
  RATE_LIMIT_LAUNCH_PER_MIN: z.coerce.number().int().min(0).max(100_000).default(300),
  RATE_LIMIT_REGISTER_PER_MIN: z.coerce.number().int().min(0).max(10_000).default(20),
  /** Grades API requests per minute per API key. */
  RATE_LIMIT_GRADES_PER_MIN: z.coerce.number().int().min(0).max(100_000).default(600),
  /** Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client; empty: the socket address is the client. */
  TRUSTED_PROXIES: trustedProxiesSetting,
  /** Days launches and their timelines are kept (a launch whose grade is still queued stays). */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Cron (UTC) of the retention job: expired login states and history older than RETENTION_DAYS; `off` disables it. */
  RETENTION_CRON: cronSetting('17 * * * *'),
  /**
   * Runtime processes on this node, sharing its port (node:cluster): one per core. Each has
   * its own pools and workers; in-memory rate limits count per process. Needs DATABASE_URL
   * (the embedded engine belongs to one process).
   */
  RUNTIME_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  /**
   * The host product's scenario player. Set: after a landing the learner is handed to it with
   * a short-lived signed launch context (a JWT in a POSTed form field `tether_launch`, never in
   * the URL). Unset: Tether's own landing page stays.
   */
  SCENARIO_PLAYER_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  /** `redirect`: the landing posts the learner on at once; `link`: it shows a "Start scenario" button. */
  SCENARIO_PLAYER_MODE: z.enum(['redirect', 'link']).default('redirect'),
});

const envSchema = settingsSchema
  .refine((c) => c.RUNTIME_PROCESSES === 1 || !!c.DATABASE_URL, {
    path: ['RUNTIME_PROCESSES'],
    message: 'more than one process needs a PostgreSQL server (DATABASE_URL): the embedded database belongs to one process',
  })
  .refine((c) => c.NODE_ENV !== 'production' || !c.SCENARIO_PLAYER_URL || c.SCENARIO_PLAYER_URL.startsWith('https://'), {
    path: ['SCENARIO_PLAYER_URL'],
    message: 'must be https in production: the hand-off carries a signed launch context',
  });

export type RuntimeConfig = z.output<typeof envSchema> & { production: boolean };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const c = parseSettings(envSchema, env, 'runtime configuration');
  return { ...c, production: c.NODE_ENV === 'production' };
}
