// A login writes one small row until the platform answers: its timeline events live on the
// login state (compact JSON) and move to launch_events, with the launch row, when the launch
// arrives. Unanswered logins (floods included) leave nothing in the launch history.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('login_states')
    .addColumn('login_events', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  // Retention deletes old history by time; rows arrive in time order, so a BRIN index is
  // enough and costs a launch next to nothing.
  await db.schema.createIndex('launches_created_at_brin').ifNotExists().on('launches').using('brin').column('created_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
