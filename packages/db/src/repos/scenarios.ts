// Scenario storage. Every query is scoped to a workspace: slugs are unique per workspace only.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, Scenario } from '../schema.js';

type Db = Kysely<Database> | Transaction<Database>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createScenario(db: Db, input: { workspace_id: string; slug: string; title: string; description?: string }): Promise<Scenario> {
  return db.insertInto('scenarios').values(input).returningAll().executeTakeFirstOrThrow();
}

/**
 * A workspace's scenarios by title. `archived`: `include` (default: every scenario), `exclude`
 * (the ones an activity can open — the dashboard's default list, the deep-linking picker) or `only`.
 */
export async function listScenarios(db: Db, workspaceId: string, opts: { archived?: 'include' | 'exclude' | 'only' } = {}): Promise<Scenario[]> {
  let q = db.selectFrom('scenarios').selectAll().where('workspace_id', '=', workspaceId);
  if (opts.archived === 'exclude') q = q.where('archived_at', 'is', null);
  if (opts.archived === 'only') q = q.where('archived_at', 'is not', null);
  return q.orderBy('title').orderBy('id').execute();
}

export async function findScenarioById(db: Db, workspaceId: string, id: string): Promise<Scenario | undefined> {
  return db.selectFrom('scenarios').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export async function findScenarioBySlug(db: Db, workspaceId: string, slug: string): Promise<Scenario | undefined> {
  return db.selectFrom('scenarios').selectAll().where('workspace_id', '=', workspaceId).where('slug', '=', slug).executeTakeFirst();
}

/** Resolve a scenario reference — its slug or its ID — inside one workspace. */
export async function findScenarioByRef(db: Db, workspaceId: string, ref: string): Promise<Scenario | undefined> {
  const trimmed = ref.trim();
  return db
    .selectFrom('scenarios')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => (UUID.test(trimmed) ? eb.or([eb('id', '=', trimmed), eb('slug', '=', trimmed)]) : eb('slug', '=', trimmed.toLowerCase())))
    .executeTakeFirst();
}

/** Undefined when the scenario is not in this workspace. */
export async function updateScenario(db: Db, workspaceId: string, id: string, changes: { slug?: string; title?: string; description?: string }): Promise<Scenario | undefined> {
  return db
    .updateTable('scenarios')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Archive (`archived: true`) or unarchive a scenario. Archiving an archived scenario keeps
 * when it was first archived. Undefined when the scenario is not in this workspace.
 */
export async function setScenarioArchived(db: Db, workspaceId: string, id: string, archived: boolean): Promise<Scenario | undefined> {
  return db
    .updateTable('scenarios')
    .set({ archived_at: archived ? sql<Date>`coalesce(archived_at, now())` : null, updated_at: sql<Date>`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
