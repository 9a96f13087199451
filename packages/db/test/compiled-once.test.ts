// compiledOnce: a hot statement is built by Kysely once and re-bound with each call's values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledOnce } from '../src/compiled-once.js';
import { sql } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('compiledOnce', () => {
  it('builds the query once and binds every call its own values, a placeholder used twice included', async () => {
    let builds = 0;
    const q = compiledOnce((db, p: { a: string; b: number }) => {
      builds++;
      return db.selectNoFrom([sql<string>`${p.a}::text`.as('a'), sql<number>`${p.b}::int + ${p.b}::int`.as('twice'), sql<string>`${p.a}::text || '!'`.as('again')]);
    });
    expect(await q(t.db, { a: 'x', b: 1 })).toEqual([{ a: 'x', twice: 2, again: 'x!' }]);
    expect(await q(t.db, { a: 'y', b: 20 })).toEqual([{ a: 'y', twice: 40, again: 'y!' }]);
    expect(builds).toBe(1);
  });

  it('refuses a builder that puts a literal value where a placeholder belongs (it would be frozen into every call)', async () => {
    const q = compiledOnce((db, p: { a: string }) => db.selectFrom('workspaces').select('id').where('slug', '=', p.a).where('name', '=', 'fixed'));
    await expect(q(t.db, { a: 'x' })).rejects.toThrow(/not a placeholder/);
  });
});
