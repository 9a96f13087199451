// A deep-linking picker answers its platform once: the launch row records when it did, so a
// double submit is refused by one conditional update instead of by looking for an event row.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('launches').addColumn('deep_link_responded_at', 'timestamptz').execute();
  // Pickers that answered before this column existed keep answering once.
  await sql`
    update launches l set deep_link_responded_at = e.at
    from (select correlation_id, min(created_at) as at from launch_events
          where step = 'deep_link_response' and outcome = 'ok' group by correlation_id) e
    where e.correlation_id = l.correlation_id`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
