// createDb(): a Kysely instance on PostgreSQL — the URL the app's config gives (DATABASE_URL),
// otherwise the embedded engine under the data directory. Reads no environment itself.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { resolveDataDir } from './data-dir.js';
import { ensureEmbeddedServer } from './embedded.js';
import { preparingPool } from './prepared-statements.js';
import type { Database } from './schema.js';

// Return int8 (bigserial ids, counts) as strings but timestamps as Date: pg's defaults.
// numeric/real come back as JS numbers for score columns.
pg.types.setTypeParser(700, (v) => Number.parseFloat(v)); // float4
pg.types.setTypeParser(701, (v) => Number.parseFloat(v)); // float8

export interface DbHandle {
  db: Kysely<Database>;
  url: string;
  engine: 'postgres' | 'embedded';
  /** Closes the pool and, when this process owns the embedded server, stops it. */
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** PostgreSQL connection string; undefined or empty ⇒ the embedded engine. */
  url: string | undefined;
  dataDir?: string;
  poolSize?: number;
  /** Server-side prepared statements (default on for PostgreSQL; off behind PgBouncer < 1.21 in transaction mode). Never for the embedded engine. */
  preparedStatements?: boolean;
  log?: (line: string) => void;
}

export function createKysely(url: string, poolSize = 10, opts: { preparedStatements?: boolean } = {}): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000 });
  // An idle client error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: opts.preparedStatements ? preparingPool(pool) : pool }) });
}

export async function createDb(opts: CreateDbOptions): Promise<DbHandle> {
  const url = opts.url || undefined;
  if (url) {
    const db = createKysely(url, opts.poolSize, { preparedStatements: opts.preparedStatements ?? true });
    return { db, url, engine: 'postgres', close: () => db.destroy() };
  }
  const server = await ensureEmbeddedServer(opts.dataDir ?? resolveDataDir(), opts.log);
  const db = createKysely(server.url, opts.poolSize);
  return {
    db,
    url: server.url,
    engine: 'embedded',
    close: async () => {
      await db.destroy();
      await server.stop();
    },
  };
}
