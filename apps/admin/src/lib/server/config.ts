// The dashboard's configuration from the environment, checked once at start (process.env,
// not $env/dynamic/private: SvelteKit files PUBLIC_URL under the public env).
import { DEFAULT_SIGN_IN_LIMITS, trustedProxiesSetting } from '@tether/auth';
import { DEV_DASHBOARD_URL, DEV_RUNTIME_URL, devInsecureHostsSetting, originSetting, parseSettings, preparedStatementsSetting } from '@tether/lti';
import { z } from 'zod';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** PostgreSQL; unset or empty ⇒ the embedded engine under TETHER_DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  TETHER_SECRET: z.string().optional(),
  TETHER_DATA_DIR: z.string().optional(),
  /** The dashboard's own public origin (sign-in cookies, CSRF checks). */
  ORIGIN: originSetting(DEV_DASHBOARD_URL),
  /** The runtime's public URL: the endpoint URLs admins copy are built from it. */
  PUBLIC_URL: originSetting(DEV_RUNTIME_URL),
  /** Hosts (host or host:port) "Test connection" may reach over plain http and on private addresses — local test LMSes only. */
  TETHER_DEV_INSECURE_HOSTS: devInsecureHostsSetting,
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DB_PREPARED_STATEMENTS: preparedStatementsSetting,
  /**
   * Reverse proxies in front of the dashboard (comma-separated IPs / CIDR ranges) whose
   * X-Forwarded-For is believed for the client address. Empty: the socket's address only.
   */
  TRUSTED_PROXIES: trustedProxiesSetting,
  /** Failed sign-ins on one account (from any address) before it is locked for SIGN_IN_LOCK_MINUTES. */
  SIGN_IN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(DEFAULT_SIGN_IN_LIMITS.failuresPerAccount),
  /** Sign-in attempts from one client address (any account; successes refunded) before it is locked. */
  SIGN_IN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_SIGN_IN_LIMITS.failuresPerAddress),
  /** The sign-in counting window and lock, in minutes. */
  SIGN_IN_LOCK_MINUTES: z.coerce.number().int().min(1).max(1440).default(DEFAULT_SIGN_IN_LIMITS.lockMinutes),
});

export type AdminConfig = z.output<typeof envSchema> & { production: boolean };

export function loadAdminConfig(env: NodeJS.ProcessEnv = process.env): AdminConfig {
  const c = parseSettings(envSchema, env, 'dashboard configuration');
  return { ...c, production: c.NODE_ENV === 'production' };
}
