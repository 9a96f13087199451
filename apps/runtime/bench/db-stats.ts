// What the database did over a window: rows written per table (PostgreSQL's cumulative
// statistics) and WAL bytes (the write-ahead log position before and after).
import { type Database, type Kysely, sql } from '@tether/db';

export interface TableWrites {
  table: string;
  inserted: number;
  updated: number;
  deleted: number;
  /** Updates that stayed on their page and wrote no index entry (HOT). */
  hot: number;
}

export async function walPosition(db: Kysely<Database>): Promise<string> {
  const r = await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(db);
  return r.rows[0]!.lsn;
}

export async function walBytesSince(db: Kysely<Database>, from: string): Promise<number> {
  const r = await sql<{ bytes: string }>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${from}::pg_lsn)::bigint::text as bytes`.execute(db);
  return Number(r.rows[0]!.bytes);
}

/**
 * Transactions committed or rolled back in this database so far. Every statement a launch
 * runs outside BEGIN…COMMIT is a transaction of its own (Tether's launch has no explicit
 * transaction), so per launch this counts its statements — without a proxy in the path.
 */
export async function transactions(db: Kysely<Database>): Promise<number> {
  const r = await sql<{ n: string }>`select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = current_database()`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export async function tableWrites(db: Kysely<Database>): Promise<Map<string, TableWrites>> {
  const r = await sql<{ table: string; ins: string; upd: string; del: string; hot: string }>`
    select schemaname || '.' || relname as table, n_tup_ins::text as ins, n_tup_upd::text as upd, n_tup_del::text as del, n_tup_hot_upd::text as hot
    from pg_stat_user_tables`.execute(db);
  return new Map(r.rows.map((x) => [x.table, { table: x.table, inserted: Number(x.ins), updated: Number(x.upd), deleted: Number(x.del), hot: Number(x.hot) }]));
}

/**
 * Rows written between two readings. Server backends publish their counts at most once a
 * second and idle ones within 10 s, so the caller waits that long before the second reading.
 */
export function writesBetween(before: Map<string, TableWrites>, after: Map<string, TableWrites>): TableWrites[] {
  return [...after.values()]
    .map((a) => {
      const b = before.get(a.table);
      return {
        table: a.table,
        inserted: a.inserted - (b?.inserted ?? 0),
        updated: a.updated - (b?.updated ?? 0),
        deleted: a.deleted - (b?.deleted ?? 0),
        hot: a.hot - (b?.hot ?? 0),
      };
    })
    .filter((w) => w.inserted + w.updated + w.deleted > 0)
    .sort((x, y) => y.inserted + y.updated + y.deleted - (x.inserted + x.updated + x.deleted));
}
