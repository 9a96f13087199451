// Server-side prepared statements for every parameterised query. PostgreSQL spends most of a
// short statement's time parsing and planning it; a named statement is parsed once per
// connection and, after a few runs, planned once too (measured: a launch's database CPU fell
// by ~40 %). Kysely hands node-postgres (text, values); this pool gives each distinct text a
// name, so pg prepares it on first use per connection and only binds + executes afterwards.
//
// Not for the embedded engine (its connections share ONE session, where names would collide:
// createDb turns it off there, and a pool that meets a name it did not prepare turns it off
// itself) nor for a pooler that cannot keep per-connection statements (PgBouncer before 1.21
// in transaction mode): DB_PREPARED_STATEMENTS=false there.
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** Distinct texts named per process; beyond this (queries built with varying shapes) they run unnamed. */
const MAX_NAMED = 500;
const DUPLICATE_PREPARED_STATEMENT = '42P05';

export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  // Set when the server says a name exists that this connection never prepared: connections
  // share one session there (the embedded engine's wire server, or a pooler mixing sessions),
  // so naming is off from then on for this pool.
  let shared = false;
  const nameOf = (text: string) => {
    if (shared) return undefined;
    const known = names.get(text);
    if (known || names.size >= MAX_NAMED) return known;
    const name = `tether_${names.size}`;
    names.set(text, name);
    return name;
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      return {
        query(text: unknown, values?: readonly unknown[]) {
          // Only parameterised text: a query without values may hold several commands, which a prepared statement cannot.
          const name = typeof text === 'string' && values && values.length > 0 ? nameOf(text) : undefined;
          if (!name) return client.query(text as string, values as unknown[]);
          return client.query({ name, text: text as string, values: [...(values ?? [])] }).catch((e: unknown) => {
            if ((e as { code?: string }).code !== DUPLICATE_PREPARED_STATEMENT) throw e;
            shared = true;
            return client.query(text as string, values as unknown[]);
          });
        },
        release: () => client.release(),
      } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
