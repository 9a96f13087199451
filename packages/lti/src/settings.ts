// What every app's configuration shares: the local defaults for the two public origins, the
// shape of an origin setting, and one way to check an environment against an app's schema
// (each app has its own schema and reads its environment once, at start).
import { z } from 'zod';

/** Where `pnpm start` serves the runtime and the dashboard on a developer machine (the config defaults). */
export const DEV_RUNTIME_URL = 'http://localhost:3001';
export const DEV_DASHBOARD_URL = 'http://localhost:3000';

/** A configured public origin: an absolute URL, kept without a trailing slash so paths append cleanly. */
export const originSetting = (fallback: string) =>
  z
    .url()
    .default(fallback)
    .transform((u) => u.replace(/\/+$/, ''));

/**
 * Hosts (`host` or `host:port`, comma-separated) the outbound client may reach over plain http
 * and on private or internal addresses — local test LMSes only; empty by default.
 */
export const devInsecureHostsSetting = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** The environment checked against an app's schema; every bad setting is named in one error. */
export function parseSettings<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, what: string): z.output<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
  throw new Error(`Invalid ${what}:\n${lines}`);
}

/**
 * `DB_PREPARED_STATEMENTS`: server-side prepared statements on PostgreSQL (default on); `false`
 * behind a pooler that cannot keep them per connection (PgBouncer < 1.21, transaction mode).
 */
export const preparedStatementsSetting = z
  .enum(['true', 'false'])
  .default('true')
  .transform((v) => v === 'true');
