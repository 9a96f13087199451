// Dynamic registrations are kept as `launches` rows (message type DynamicRegistration) so the
// dashboard finds each by its correlation ID; the LTI settings page lists them as the
// registration history. A few rows among possibly millions of launches of a workspace: a
// partial index reads them without walking the workspace's launches.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('launches_registrations')
    .on('launches')
    .columns(['workspace_id', 'created_at desc', 'id desc'])
    .where(sql.ref('message_type'), '=', sql.lit('DynamicRegistration'))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
