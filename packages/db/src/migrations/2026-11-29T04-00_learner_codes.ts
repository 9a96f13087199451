// The landing code: a launch hands the browser a short-lived, single-use code instead of a
// session token in the URL; the landing trades it for the session once (a delete). Only the
// code's SHA-256 is stored. Expired, unredeemed codes are swept by retention (by expires_at).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('learner_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_token', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('learner_codes_expires_at').on('learner_codes').column('expires_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
