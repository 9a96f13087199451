import { sql, type Database, type Kysely, type Scenario } from '@tether/db';

export async function findScenarioById(db: Kysely<Database>, workspaceId: string, id: string): Promise<Scenario | undefined> {
  return db.selectFrom('scenarios').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export async function findScenarioBySlug(db: Kysely<Database>, workspaceId: string, slug: string): Promise<Scenario | undefined> {
  return db.selectFrom('scenarios').selectAll().where('workspace_id', '=', workspaceId).where('slug', '=', slug).executeTakeFirst();
}

export async function updateScenario(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
  changes: { slug?: string; title?: string; description?: string },
): Promise<Scenario | undefined> {
  return db
    .updateTable('scenarios')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function workspaceHasPlatform(db: Kysely<Database>, workspaceId: string): Promise<boolean> {
  const row = await db.selectFrom('platforms').select('id').where('workspace_id', '=', workspaceId).limit(1).executeTakeFirst();
  return row !== undefined;
}
