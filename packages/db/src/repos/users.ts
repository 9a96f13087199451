// Tether users as the dashboard's session sees them. (Users are created by provisioning and
// by the auth package.)
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface UserSummary {
  id: string;
  name: string;
  email: string;
}

export async function findUserById(db: Db, id: string): Promise<UserSummary | undefined> {
  return db.selectFrom('users').select(['id', 'name', 'email']).where('id', '=', id).executeTakeFirst();
}

/** Removes a user (their accounts, sessions and memberships cascade): undoing a half-created admin. */
export async function deleteUser(db: Db, id: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}
