import type { Kysely } from 'kysely';
import type { Database, Scenario } from '../schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createScenario(
  db: Kysely<Database>,
  input: { workspace_id: string; slug: string; title: string; description?: string },
): Promise<Scenario> {
  return db.insertInto('scenarios').values(input).returningAll().executeTakeFirstOrThrow();
}

export async function listScenarios(db: Kysely<Database>, workspaceId: string): Promise<Scenario[]> {
  return db.selectFrom('scenarios').selectAll().where('workspace_id', '=', workspaceId).orderBy('title').execute();
}

/** Resolve a scenario reference — its slug or its ID — inside one workspace. */
export async function findScenarioByRef(db: Kysely<Database>, workspaceId: string, ref: string): Promise<Scenario | undefined> {
  const trimmed = ref.trim();
  return db
    .selectFrom('scenarios')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => (UUID.test(trimmed) ? eb.or([eb('id', '=', trimmed), eb('slug', '=', trimmed)]) : eb('slug', '=', trimmed.toLowerCase())))
    .executeTakeFirst();
}
