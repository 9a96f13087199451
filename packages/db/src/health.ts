// Readiness: can this process reach its database right now?
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export async function databaseReachable(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
