// Landing codes: the one-time hop from a completed launch to the learner's session. The
// caller hashes the code (only the hash is stored); redemption is one atomic delete, so a
// code works once, on any node, and never after it expires.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../schema.js';

export async function issueLearnerCode(db: Kysely<Database>, input: { codeHash: string; sessionToken: string; expiresAt: Date }): Promise<void> {
  await db.insertInto('learner_codes').values({ code_hash: input.codeHash, session_token: input.sessionToken, expires_at: input.expiresAt }).execute();
}

/** The session token the code stood for, or undefined when it is unknown, used or expired. */
export async function redeemLearnerCode(db: Kysely<Database>, codeHash: string): Promise<string | undefined> {
  const row = await db.deleteFrom('learner_codes').where('code_hash', '=', codeHash).where('expires_at', '>', sql<Date>`now()`).returning('session_token').executeTakeFirst();
  return row?.session_token;
}
