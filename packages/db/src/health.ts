// Readiness: can this process reach its database right now?
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export async function databaseReachable(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
