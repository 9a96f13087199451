// The dashboard's configuration from the environment, checked once at start (process.env,
// not $env/dynamic/private: SvelteKit files PUBLIC_URL under the public env).
import { DEV_DASHBOARD_URL, DEV_RUNTIME_URL, originSetting, parseSettings } from '@tether/lti';
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
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
});

export type AdminConfig = z.output<typeof envSchema> & { production: boolean };

export function loadAdminConfig(env: NodeJS.ProcessEnv = process.env): AdminConfig {
  const c = parseSettings(envSchema, env, 'dashboard configuration');
  return { ...c, production: c.NODE_ENV === 'production' };
}
