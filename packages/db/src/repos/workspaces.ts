import type { Kysely } from 'kysely';
import type { Database, Workspace } from '../schema.js';

export async function createWorkspace(db: Kysely<Database>, input: { slug: string; name: string }): Promise<Workspace> {
  return db.insertInto('workspaces').values(input).returningAll().executeTakeFirstOrThrow();
}

export async function findWorkspaceBySlug(db: Kysely<Database>, slug: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function listWorkspaces(db: Kysely<Database>): Promise<Workspace[]> {
  return db.selectFrom('workspaces').selectAll().orderBy('created_at').execute();
}
