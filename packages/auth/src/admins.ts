// Creating a workspace admin stores the password through better-auth's own hasher and
// credential account, so the dashboard's sign-in checks exactly what was stored.

import { addMembership, type Database, deleteUser, type MemberRole } from '@tether/db';
import { TetherError } from '@tether/errors';
import type { Kysely } from 'kysely';
import type { TetherAuth } from './create-auth.js';

export type AdminErrorCode = 'email_taken' | 'weak_password' | 'workspace_not_found';

/** A refused admin creation; the message starts with the form field at fault (`email: …`). */
export class AdminError extends TetherError<AdminErrorCode> {
  override readonly name = 'AdminError';
}

export interface CreatedAdmin {
  userId: string;
  email: string;
  workspaceId: string;
  role: MemberRole;
}

export async function createWorkspaceAdmin(
  auth: TetherAuth,
  db: Kysely<Database>,
  input: { workspaceId: string; email: string; password: string; name?: string },
): Promise<CreatedAdmin> {
  const ctx = await auth.$context;
  const email = input.email.trim().toLowerCase();
  const min = ctx.password.config.minPasswordLength;
  if (input.password.length < min) throw new AdminError('weak_password', `password: must be at least ${min} characters`);
  if (await ctx.internalAdapter.findUserByEmail(email)) {
    throw new AdminError('email_taken', `email: ${email} already has an account`);
  }
  const hash = await ctx.password.hash(input.password);
  const user = await ctx.internalAdapter.createUser({ email, name: input.name ?? email.split('@')[0] ?? email, emailVerified: true }, { method: 'email-password' });
  try {
    await ctx.internalAdapter.linkAccount({ userId: user.id, providerId: 'credential', accountId: user.id, password: hash });
    await addMembership(db, { workspaceId: input.workspaceId, userId: user.id, role: 'admin', joinedVia: 'manual' });
  } catch (e) {
    // No half-created admin: drop the user (accounts cascade) if anything after it failed.
    await deleteUser(db, user.id);
    throw e;
  }
  return { userId: user.id, email, workspaceId: input.workspaceId, role: 'admin' };
}
