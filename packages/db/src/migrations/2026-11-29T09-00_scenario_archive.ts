// A scenario can be archived instead of deleted: it keeps its slug, its launches and grades,
// but the dashboard's default list and the deep-linking picker leave it out, and a launch
// into it is refused (`scenario_archived`) until an admin unarchives it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('scenarios').addColumn('archived_at', 'timestamptz').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
