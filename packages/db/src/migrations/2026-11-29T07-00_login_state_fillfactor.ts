// A login state is inserted, then updated twice (consumed with its landing code, then the
// code cleared). With room left on its page those updates are HOT — the new row version
// stays on the page and no index entry is written — so the launch's writes stay on one page.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table login_states set (fillfactor = 50)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
