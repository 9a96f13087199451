// A Grades API key's last use is kept to the minute: a busy key writes its row at most once a
// minute, not on every request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createWorkspace, sql, verifyApiKey } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

/** The row version: it changes with every write of the row. */
const version = async (id: string) => (await sql<{ v: string }>`select xmin::text as v from api_keys where id = ${id}`.execute(t.db)).rows[0]!.v;

describe('api key last use', () => {
  it('is written on first use, not again within the minute, and again once the minute is up', async () => {
    const ws = await createWorkspace(t.db, { slug: 'keys', name: 'Keys' });
    const { key, apiKey } = await createApiKey(t.db, { workspaceId: ws.id, name: 'grades' });
    const id = apiKey.id;
    expect(await verifyApiKey(t.db, key)).toMatchObject({ id });
    const first = await t.db.selectFrom('api_keys').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(first.last_used_at).not.toBeNull();

    const written = await version(id);
    for (let i = 0; i < 3; i++) expect(await verifyApiKey(t.db, key)).toMatchObject({ id });
    expect(await version(id)).toBe(written);

    await t.db.updateTable('api_keys').set({ last_used_at: sql`now() - interval '61 seconds'` }).where('id', '=', id).execute();
    const aged = await version(id);
    await verifyApiKey(t.db, key);
    expect(await version(id)).not.toBe(aged);
    const after = await t.db.selectFrom('api_keys').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(Date.now() - after.last_used_at!.getTime()).toBeLessThan(30_000);
  });
});
