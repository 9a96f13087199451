// First launch of an LMS user (issuer + sub) creates a Tether user, their LTI identity and a
// Member membership; later launches refresh the name/email the LMS sends.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../schema.js';

export interface LtiUserInput {
  workspaceId: string;
  platformId: string;
  issuer: string;
  sub: string;
  name?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
  email?: string | undefined;
}

export interface ProvisionedMember {
  userId: string;
  created: boolean;
  displayName: string;
}

export function displayNameOf(u: Pick<LtiUserInput, 'name' | 'givenName' | 'familyName'>): string {
  return u.name?.trim() || [u.givenName, u.familyName].filter(Boolean).join(' ').trim() || 'Learner';
}

export async function provisionLtiMember(trx: Transaction<Database>, u: LtiUserInput): Promise<ProvisionedMember> {
  const displayName = displayNameOf(u);
  const profile = { name: u.name ?? null, given_name: u.givenName ?? null, family_name: u.familyName ?? null, email: u.email ?? null, platform_id: u.platformId };
  const existing = await trx
    .updateTable('lti_identities')
    .set({ ...profile, status: 'active', updated_at: new Date() })
    .where('workspace_id', '=', u.workspaceId)
    .where('issuer', '=', u.issuer)
    .where('sub', '=', u.sub)
    .returning('user_id')
    .executeTakeFirst();
  if (existing) return { userId: existing.user_id, created: false, displayName };

  // New learner. The users row is the auth library's; LMS users never sign in with a
  // password, and the LMS email is kept on the identity (an LMS must not be able to claim an
  // admin's account by asserting their email), so the user row gets a placeholder address.
  const userId = randomUUID();
  await trx
    .insertInto('users')
    .values({ id: userId, name: displayName, email: `${userId}@lti.invalid`, email_verified: false, image: null, created_at: new Date(), updated_at: new Date() })
    .execute();
  const inserted = await trx
    .insertInto('lti_identities')
    .values({ workspace_id: u.workspaceId, user_id: userId, issuer: u.issuer, sub: u.sub, ...profile })
    .onConflict((oc) => oc.columns(['workspace_id', 'issuer', 'sub']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  if (!inserted) {
    // A concurrent first launch of the same learner won: use theirs, drop ours.
    await trx.deleteFrom('users').where('id', '=', userId).execute();
    const winner = await trx
      .selectFrom('lti_identities')
      .select('user_id')
      .where('workspace_id', '=', u.workspaceId)
      .where('issuer', '=', u.issuer)
      .where('sub', '=', u.sub)
      .executeTakeFirstOrThrow();
    return { userId: winner.user_id, created: false, displayName };
  }
  await trx.insertInto('memberships').values({ workspace_id: u.workspaceId, user_id: userId, role: 'member', joined_via: 'lti' }).execute();
  return { userId, created: true, displayName };
}
