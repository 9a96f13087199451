// Failed dynamic-registration attempts per one-time registration URL: a failure used to release
// the token, so one URL could make Tether fetch any number of addresses. After a few failures
// the token is spent (`releaseRegistrationToken`).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('registration_tokens')
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
