// The CLI's configuration from the environment, checked once per command. `tether up` passes
// the same settings on to the runtime and the dashboard it starts.
import { DEV_RUNTIME_URL, originSetting, parseSettings } from '@tether/lti';
import { z } from 'zod';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** PostgreSQL; unset or empty ⇒ the embedded engine under TETHER_DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  TETHER_SECRET: z.string().optional(),
  TETHER_DATA_DIR: z.string().optional(),
  /** The runtime's public URL (registration URLs are built from it). */
  PUBLIC_URL: originSetting(DEV_RUNTIME_URL),
  /** Where `tether up` serves the dashboard, and its public origin (default http://localhost:<port>). */
  ADMIN_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  ADMIN_HOST: z.string().default('127.0.0.1'),
  ADMIN_ORIGIN: z
    .url()
    .optional()
    .transform((u) => u?.replace(/\/+$/, '')),
});

export type CliConfig = Omit<z.output<typeof envSchema>, 'ADMIN_ORIGIN'> & { ADMIN_ORIGIN: string; production: boolean };

export function loadCliConfig(env: NodeJS.ProcessEnv): CliConfig {
  const c = parseSettings(envSchema, env, 'configuration');
  return { ...c, ADMIN_ORIGIN: c.ADMIN_ORIGIN ?? `http://localhost:${c.ADMIN_PORT}`, production: c.NODE_ENV === 'production' };
}
