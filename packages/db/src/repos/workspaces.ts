// Workspaces, and who belongs to them.
import type { Kysely, Transaction } from 'kysely';
import type { Database, MemberRole, Workspace } from '../schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export async function createWorkspace(db: Db, input: { slug: string; name: string }): Promise<Workspace> {
  return db.insertInto('workspaces').values(input).returningAll().executeTakeFirstOrThrow();
}

export async function findWorkspaceBySlug(db: Db, slug: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findWorkspaceById(db: Db, id: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listWorkspaces(db: Db): Promise<Workspace[]> {
  return db.selectFrom('workspaces').selectAll().orderBy('created_at').execute();
}

export interface UserWorkspace {
  /** The workspace's id. */
  id: string;
  slug: string;
  name: string;
  role: MemberRole;
}

/** The workspaces a user belongs to, with their role there, oldest membership first. */
export async function listUserWorkspaces(db: Db, userId: string): Promise<UserWorkspace[]> {
  return db
    .selectFrom('memberships as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.slug', 'w.name', 'm.role'])
    .where('m.user_id', '=', userId)
    .orderBy('m.created_at')
    .orderBy('m.id')
    .execute();
}

/** Whether any workspace has an admin yet (before the first one, the dashboard offers setup). */
export async function adminExists(db: Db): Promise<boolean> {
  const row = await db.selectFrom('memberships').select('id').where('role', '=', 'admin').limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function addMembership(db: Db, m: { workspaceId: string; userId: string; role: MemberRole; joinedVia: 'manual' | 'lti' }): Promise<void> {
  await db.insertInto('memberships').values({ workspace_id: m.workspaceId, user_id: m.userId, role: m.role, joined_via: m.joinedVia }).execute();
}

/** Removes a workspace and everything in it (cascades): undoing a setup that failed half-way. */
export async function deleteWorkspace(db: Db, id: string): Promise<void> {
  await db.deleteFrom('workspaces').where('id', '=', id).execute();
}
