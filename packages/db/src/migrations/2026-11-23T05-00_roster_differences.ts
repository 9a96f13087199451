// NRPS `differences` links (LTI Names and Role Provisioning Services 2.0): a sync that read the whole roster stores the
// `rel="differences"` URL the platform gave it; the next scheduled sync of the context reads
// that URL (changes since then only) instead of the full roster. `mode` says which read a
// sync did.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('roster_syncs')
    .addColumn('mode', 'text', (c) => c.notNull().defaultTo('full').check(sql`mode in ('full', 'differences')`))
    .execute();
  // Set only when the sync finished un-truncated and the platform sent a differences link.
  await db.schema.alterTable('roster_syncs').addColumn('differences_url', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
