// Runtime configuration from the environment, checked once at start.
import { z } from 'zod';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.url().default('http://localhost:3001').transform((u) => u.replace(/\/+$/, '')),
  DATABASE_URL: z.string().optional(),
  TETHER_SECRET: z.string().optional(),
  TETHER_DATA_DIR: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** Seconds between OIDC login and launch before the state expires. */
  LOGIN_STATE_TTL_SEC: z.coerce.number().int().min(30).max(3600).default(600),
  CLOCK_SKEW_SEC: z.coerce.number().int().min(0).max(300).default(60),
  ID_TOKEN_MAX_AGE_SEC: z.coerce.number().int().min(60).max(86_400).default(3600),
  /** Hosts (host or host:port) allowed over plain http for dynamic registration — local test LMSes only. */
  TETHER_DEV_INSECURE_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  LEARNER_SESSION_TTL_SEC: z.coerce.number().int().min(60).max(86_400).default(8 * 3600),
});

export type RuntimeConfig = z.output<typeof envSchema> & { production: boolean };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const r = envSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid runtime configuration:\n${lines}`);
  }
  return { ...r.data, production: r.data.NODE_ENV === 'production' };
}
