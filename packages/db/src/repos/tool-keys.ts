// Storage for the tool's signing keys. Plain rows in, plain rows out: the crypto package's
// key set drives rotation and encryption; this only persists (structurally its ToolKeyStore).
import { TetherError } from '@tether/errors';
import type { Kysely } from 'kysely';
import type { Database, ToolKeyState } from '../schema.js';

export interface ToolKeyRecord {
  kid: string;
  publicJwk: Record<string, unknown>;
  privateJwkEncrypted: string;
  state: ToolKeyState;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
}

export interface ToolKeyChange {
  kid: string;
  state: ToolKeyState;
  activatedAt?: Date | null;
  retiredAt?: Date | null;
  /** Compare-and-set: the change applies only if the key is still in this state. */
  expectedState?: ToolKeyState;
}

/** Another node changed a key while this rotation ran (code `tool_key_conflict`); nothing was applied. */
export class ToolKeyConflictError extends TetherError<'tool_key_conflict'> {
  override name = 'ToolKeyConflictError';
}

export function createToolKeyStore(db: Kysely<Database>) {
  const toRow = (k: ToolKeyRecord) => ({
    kid: k.kid,
    public_jwk: JSON.stringify(k.publicJwk),
    private_jwk_encrypted: k.privateJwkEncrypted,
    state: k.state,
    created_at: k.createdAt,
    activated_at: k.activatedAt,
    retired_at: k.retiredAt,
  });
  return {
    async list(): Promise<ToolKeyRecord[]> {
      const rows = await db.selectFrom('tool_keys').selectAll().orderBy('created_at').execute();
      return rows.map((r) => ({
        kid: r.kid,
        publicJwk: r.public_jwk,
        privateJwkEncrypted: r.private_jwk_encrypted,
        state: r.state,
        createdAt: r.created_at,
        activatedAt: r.activated_at,
        retiredAt: r.retired_at,
      }));
    },
    async insert(key: ToolKeyRecord): Promise<void> {
      await db.insertInto('tool_keys').values(toRow(key)).execute();
    },
    /** One transaction: retire/promote first (the partial unique index allows one current, one next), then insert. */
    async applyRotation(changes: ToolKeyChange[], inserted: ToolKeyRecord[]): Promise<void> {
      await db.transaction().execute(async (trx) => {
        // Lock the key set so two nodes rotating at once serialise.
        await trx.selectFrom('tool_keys').select('kid').forUpdate().execute();
        const order: ToolKeyState[] = ['retired', 'next', 'current'];
        for (const state of order) {
          for (const c of changes.filter((x) => x.state === state)) {
            const set: { state: ToolKeyState; activated_at?: Date | null; retired_at?: Date | null } = { state: c.state };
            if (c.activatedAt !== undefined) set.activated_at = c.activatedAt;
            if (c.retiredAt !== undefined) set.retired_at = c.retiredAt;
            let q = trx.updateTable('tool_keys').set(set).where('kid', '=', c.kid);
            if (c.expectedState) q = q.where('state', '=', c.expectedState);
            const r = await q.executeTakeFirst();
            // Another node rotated first: abort the whole rotation (the transaction rolls back).
            if (r.numUpdatedRows === 0n) throw new ToolKeyConflictError('tool_key_conflict', `tool key ${c.kid} changed concurrently`, { details: { kid: c.kid } });
          }
        }
        if (inserted.length > 0) await trx.insertInto('tool_keys').values(inserted.map(toRow)).execute();
      });
    },
    async deleteKeys(kids: string[]): Promise<void> {
      if (kids.length === 0) return;
      await db.deleteFrom('tool_keys').where('kid', 'in', kids).where('state', '=', 'retired').execute();
    },
  };
}
