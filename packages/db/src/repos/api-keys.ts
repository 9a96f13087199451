// Workspace API keys (the Grades API's credentials).
//
// A key reads `tk_<prefix>_<secret>`: the prefix (12 hex characters) is stored in clear and
// unique, so a presented key is found with one indexed lookup; the secret (32 random bytes,
// base64url) is stored only as its SHA-256. A fast hash is right here, unlike for passwords:
// the secret is 256 bits of randomness, not something a person chose, so there is no
// dictionary to try and brute force is out of reach however fast the hash is; a slow KDF
// (bcrypt, scrypt) would only add tens of milliseconds to every API call and make key
// verification an easy way to burn the server's CPU. The digests are compared in constant
// time. The full key is shown once, at creation, and cannot be recovered.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { compiledOnce } from '../compiled-once.js';
import type { ApiKey, Database } from '../schema.js';

const KEY_FORMAT = /^tk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export const hashApiKeySecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** The row without its hash: what lists and audit entries may show. */
export type ApiKeySummary = Omit<ApiKey, 'key_hash'>;

export interface CreatedApiKey {
  apiKey: ApiKeySummary;
  /** The full key, `tk_<prefix>_<secret>`. Show it once; only its hash is stored. */
  key: string;
}

export async function createApiKey(db: Kysely<Database>, input: { workspaceId: string; name: string; createdBy?: string | null }): Promise<CreatedApiKey> {
  // A prefix collision (48 random bits) is astronomically rare; retry once on the unique index anyway.
  for (let i = 0; ; i++) {
    const prefix = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    try {
      const row = await db
        .insertInto('api_keys')
        .values({ workspace_id: input.workspaceId, name: input.name, prefix, key_hash: hashApiKeySecret(secret), created_by: input.createdBy ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
      const { key_hash: _hash, ...apiKey } = row;
      return { apiKey, key: `tk_${prefix}_${secret}` };
    } catch (e) {
      if (i === 0 && (e as { code?: string }).code === '23505') continue;
      throw e;
    }
  }
}

/**
 * The key a request presented (`tk_…`, without the `Bearer ` scheme), or null when it is
 * malformed, unknown, wrong or revoked. Updates last_used_at (at most once a minute per key).
 */
export async function verifyApiKey(db: Kysely<Database>, presented: string): Promise<ApiKeySummary | null> {
  const m = KEY_FORMAT.exec(presented.trim());
  if (!m) return null;
  const [, prefix, secret] = m as unknown as [string, string, string];
  const [row] = await keyByPrefix(db, { prefix });
  // Hash even when the prefix is unknown, so the answer takes the same time either way.
  const presentedHash = Buffer.from(hashApiKeySecret(secret), 'hex');
  const storedHash = Buffer.from(row?.key_hash ?? '0'.repeat(64), 'hex');
  const match = storedHash.length === presentedHash.length && timingSafeEqual(storedHash, presentedHash);
  if (!row || !match || row.revoked_at !== null) return null;
  // The row just read says whether the minute is up: a busy key costs no write at all, and
  // the update's own condition keeps concurrent requests from writing it more than once.
  if (row.last_used_at === null || Date.now() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) await touchLastUsed(db, row.id);
  const { key_hash: _hash, ...apiKey } = row;
  return apiKey;
}

/** Every Grades API request runs it: built once. */
const keyByPrefix = compiledOnce((db, p: { prefix: string }) => db.selectFrom('api_keys').selectAll().where('prefix', '=', p.prefix));

/** How fresh last_used_at is kept: at most one write per key in this time. */
const LAST_USED_RESOLUTION_MS = 60_000;

async function touchLastUsed(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql`now()` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - make_interval(secs => ${LAST_USED_RESOLUTION_MS / 1000})`)]))
    .execute();
}

export async function listApiKeys(db: Kysely<Database>, workspaceId: string): Promise<ApiKeySummary[]> {
  return db
    .selectFrom('api_keys')
    .select(['id', 'workspace_id', 'name', 'prefix', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Revokes a key of the workspace (idempotent); undefined when there is no such key. */
export async function revokeApiKey(db: Kysely<Database>, workspaceId: string, id: string): Promise<ApiKeySummary | undefined> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql`coalesce(revoked_at, now())` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returning(['id', 'workspace_id', 'name', 'prefix', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .executeTakeFirst();
  return row;
}
