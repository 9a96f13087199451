// Sign-in brute-force counters, shared by every dashboard node (packages/auth's limiter on
// rate-limiter-flexible). The columns are the library's own (key, points, expire in epoch
// ms); creating the table here keeps DDL out of the sign-in request path.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expire', 'bigint')
    .execute();
  // The library deletes expired counters by time every few minutes.
  await db.schema.createIndex('sign_in_limits_expire').on('sign_in_limits').column('expire').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
